import test from 'ava';
import type { MemberStatus } from '@trellis/membership';
import { beats, holders, occupies, routable, type Liveness } from '../src/claims.js';
import type { RouteWire } from '../src/route-record.js';

/** Liveness from a map: owner -> [status, since]. */
function liveness(entries: Record<string, [MemberStatus, number]>): Liveness {
  const m = new Map(Object.entries(entries));
  return {
    status: (w) => m.get(w)?.[0],
    since: (w) => m.get(w)?.[1],
    addr: (w) => (m.has(w) ? `${w}:7946` : undefined),
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

test('occupies: a withdrawn claim frees its slice, even our own or a live owner’s', (t) => {
  t.false(occupies(rec('alive', { st: 2 }), 'self', live, 1000, reclaimMs));
  t.false(occupies(rec('self', { st: 2 }), 'self', live, 1000, reclaimMs));
});

test('occupies: our own claim, unknown owners and alive/suspect owners hold their slice', (t) => {
  t.true(occupies(rec('self'), 'self', live, 1000, reclaimMs), 'self is not in the liveness map');
  t.true(occupies(rec('stranger'), 'self', live, 1000, reclaimMs), 'benefit of the doubt');
  t.true(occupies(rec('alive', { st: 0 }), 'self', live, 1000, reclaimMs));
  t.true(occupies(rec('suspect'), 'self', live, 1000, reclaimMs));
});

test('occupies: a left owner frees its slice at once', (t) => {
  t.false(occupies(rec('left'), 'self', live, 1000, reclaimMs));
  t.false(occupies(rec('left', { st: 0 }), 'self', live, 1000, reclaimMs));
});

test('occupies: a dead owner holds its slice for reclaimMs after it died, then frees it', (t) => {
  t.true(occupies(rec('dead'), 'self', live, 1000, reclaimMs));
  t.true(occupies(rec('dead'), 'self', live, 1599, reclaimMs));
  t.false(occupies(rec('dead'), 'self', live, 1600, reclaimMs));
  t.false(occupies(rec('dead'), 'self', live, 10_000, reclaimMs));
  // Without a known time of death the clock starts now.
  const noSince: Liveness = { status: () => 'dead', since: () => undefined, addr: () => undefined };
  t.true(occupies(rec('x'), 'self', noSince, 1_000_000, reclaimMs));
  t.false(occupies(rec('x'), 'self', noSince, 1_000_000, 0), 'reclaimMs 0 frees at once');
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
  const counts = (r: RouteWire) => r.st !== 2 && r.w !== 'g';
  const summary = (m: Map<number, RouteWire>) => [...m].map(([s, r]) => `${s}:${r.w}`).sort();
  const expected = ['0:a', '1:e', '3:h'];
  t.deepEqual(summary(holders(records, counts)), expected);
  t.deepEqual(summary(holders([...records].reverse(), counts)), expected);
  t.deepEqual(summary(holders([], counts)), []);
});

test('routable: only settled routes of alive or suspect owners, and dead owners within grace', (t) => {
  const graceMs = 200;
  t.true(routable(rec('alive'), live, 1000, graceMs));
  t.true(routable(rec('suspect'), live, 1000, graceMs));
  t.false(routable(rec('alive', { st: 0 }), live, 1000, graceMs), 'still settling');
  t.false(routable(rec('alive', { st: 2 }), live, 1000, graceMs), 'withdrawn');
  t.true(routable(rec('dead'), live, 1000, graceMs));
  t.true(routable(rec('dead'), live, 1199, graceMs));
  t.false(routable(rec('dead'), live, 1200, graceMs), 'grace is over');
  t.false(routable(rec('left'), live, 1000, graceMs), 'left: gone at once');
  t.false(routable(rec('stranger'), live, 1000, graceMs), 'unknown owners are not routed');
});
