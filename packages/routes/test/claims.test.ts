import test from 'ava';
import type { MemberStatus } from '@trellis/membership';
import type { Liveness } from '@trellis/store';
import { beats, holders, occupies as occupiesFor } from '../src/claims.js';
import type { RouteWire } from '../src/route-record.js';

/** Liveness from a map: owner -> [status, since]. */
function liveness(entries: Record<string, [MemberStatus, number]>): Liveness {
  const m = new Map(Object.entries(entries));
  return {
    member: (w) => {
      const e = m.get(w);
      return e === undefined
        ? undefined
        : { id: w, addr: `${w}:7946`, incarnation: 1, status: e[0], meta: new Uint8Array() };
    },
    since: (w) => m.get(w)?.[1],
  };
}

const rec = (w: string, over: Partial<RouteWire> = {}): RouteWire => ({
  t: 'r',
  o: 'dcos',
  w,
  g: 1,
  v: 1,
  st: 1,
  c: 100,
  s: 0,
  u: '10.0.0.1',
  vi: '44.128.0.1',
  vm: '70:b3:d5:80:00:01',
  ...over,
});

const live = liveness({
  alive: ['alive', 0],
  suspect: ['suspect', 0],
  left: ['left', 1000],
  dead: ['dead', 1000],
});
const reclaimMs = 600;

const occupies = (r: RouteWire, live_: Liveness, now: number, reclaim: number): boolean =>
  occupiesFor(r, 'self', live_, now, reclaim);

test('occupancy: a withdrawn claim frees its slice, even our own or a live owner’s', (t) => {
  t.is(occupies(rec('alive', { st: 2 }), live, 1000, reclaimMs), false);
  t.is(occupies(rec('self', { st: 2 }), live, 1000, reclaimMs), false);
});

test('occupancy: our own claim and alive/suspect owners hold their slice; owners that are not members never', (t) => {
  t.is(occupies(rec('self'), live, 1000, reclaimMs), true, 'self is not in the liveness map');
  t.is(occupies(rec('stranger'), live, 1000, reclaimMs), false);
  t.is(occupies(rec('alive', { st: 0 }), live, 1000, reclaimMs), true);
  t.is(occupies(rec('suspect'), live, 1000, reclaimMs), true);
});

test('occupancy: a left owner frees its slice at once', (t) => {
  t.is(occupies(rec('left'), live, 1000, reclaimMs), false);
  t.is(occupies(rec('left', { st: 0 }), live, 1000, reclaimMs), false);
});

test('occupancy: a dead owner holds its slice for reclaimMs after it died, then frees it', (t) => {
  t.is(occupies(rec('dead'), live, 1000, reclaimMs), true);
  t.is(occupies(rec('dead'), live, 1599, reclaimMs), true);
  t.is(occupies(rec('dead'), live, 1600, reclaimMs), false);
  t.is(occupies(rec('dead'), live, 10_000, reclaimMs), false);
  // Without a known time of death the clock starts now.
  const dead = liveness({ x: ['dead', 0] });
  const noSince: Liveness = { member: (w) => dead.member(w), since: () => undefined };
  t.is(occupies(rec('x'), noSince, 1_000_000, reclaimMs), true);
  t.is(occupies(rec('x'), noSince, 1_000_000, 0), false, 'reclaimMs 0 frees at once');
});

test('beats: settled beats claimed whatever the claim times and ids', (t) => {
  const settledLate = rec('z', { st: 1, c: 9_999 });
  const claimedEarly = rec('a', { st: 0, c: 1 });
  t.true(beats(settledLate, claimedEarly));
  t.false(beats(claimedEarly, settledLate));
});

test('beats: at equal state the earlier claim wins, then the smaller owner id', (t) => {
  for (const st of [0, 1] as const) {
    t.true(beats(rec('z', { st, c: 1 }), rec('a', { st, c: 2 })));
    t.false(beats(rec('a', { st, c: 2 }), rec('z', { st, c: 1 })));
    t.true(beats(rec('a', { st, c: 5 }), rec('b', { st, c: 5 })));
    t.false(beats(rec('b', { st, c: 5 }), rec('a', { st, c: 5 })));
  }
  // Irreflexive: a claim does not beat itself.
  t.false(beats(rec('a'), rec('a')));
});

test('beats is a strict order on distinct owners: exactly one of two claims wins', (t) => {
  const claims = [
    rec('a', { st: 0, c: 1 }),
    rec('b', { st: 0, c: 1 }),
    rec('c', { st: 1, c: 3 }),
    rec('d', { st: 1, c: 2 }),
    rec('e', { st: 0, c: 0 }),
  ];
  for (const x of claims)
    for (const y of claims) if (x !== y) t.true(beats(x, y) !== beats(y, x), `${x.w} vs ${y.w}`);
});

test('holders: the winning counted claim of each slice, independent of input order', (t) => {
  const records = [
    rec('b', { s: 0, st: 0, c: 5 }),
    rec('a', { s: 0, st: 0, c: 5 }),
    rec('c', { s: 0, st: 0, c: 9 }),
    rec('d', { s: 1, st: 0, c: 1 }),
    rec('e', { s: 1, st: 1, c: 50 }),
    rec('f', { s: 2, st: 2 }),
    rec('g', { s: 3, c: 1 }),
    rec('h', { s: 3, c: 2 }),
  ];
  const counts = (r: RouteWire): boolean => r.st !== 2 && r.w !== 'g';
  const summary = (m: Map<number, RouteWire>) => [...m].map(([s, r]) => `${s}:${r.w}`).sort();
  const expected = ['0:a', '1:e', '3:h'];
  t.deepEqual(summary(holders(records, counts)), expected);
  t.deepEqual(summary(holders([...records].reverse(), counts)), expected);
  t.deepEqual(summary(holders([], counts)), []);
});

test('holders: an owner that is not a member holds nothing, whatever its claim time', (t) => {
  // A phantom: a settled claim from the dawn of time under a name nobody runs; or a long-dead
  // owner's record back after its member record was collected. The live agent keeps the slice.
  const ghost = rec('ghost', { s: 4, st: 1, c: 0 });
  const agent = rec('alive', { s: 4, st: 1, c: 900 });
  const phantomOnly = rec('stranger', { s: 5, st: 1, c: 0 });
  const occ = (r: RouteWire) => occupiesFor(r, 'self', live, 1000, reclaimMs);
  for (const order of [
    [ghost, agent, phantomOnly],
    [agent, ghost, phantomOnly],
  ]) {
    const h = holders(order, occ);
    t.is(h.get(4)?.w, 'alive');
    t.false(h.has(5), 'a slice only a phantom claims is free');
  }
});
