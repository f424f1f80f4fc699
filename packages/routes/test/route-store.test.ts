import test from 'ava';
import { InvalidArgumentError, Rng, type Instant } from '@trellis/runtime';
import type { MemberStatus } from '@trellis/membership';
import { parseOverlays } from '../src/overlay-config.js';
import type { Overlay } from '../src/overlay.js';
import type { RouteWire } from '../src/route-record.js';
import { RouteStore, type RouteStoreOptions } from '../src/route-store.js';
import { SliceExhaustedError } from '../src/routes-errors.js';
import type { RoutesChanged, RoutesEvent } from '../src/routes-events.js';
import type { Liveness } from '../src/claims.js';

const seed = process.env['SEED'] === undefined ? 31 : Number.parseInt(process.env['SEED'], 10);

/** Four /24 slices; a VTEP subnet of its own, so both overlays can be configured together. */
const [dcos, tiny] = parseOverlays([
  { name: 'dcos', subnet: '9.0.0.0/8' },
  { name: 'tiny', subnet: '10.9.0.0/22', prefixLength: 24, vni: 1025, vtepSubnet: '44.129.0.0/24' },
]) as [Overlay, Overlay];

const settleMs = 3000;
const graceMs = 10_000;
const reclaimMs = 60_000;

/** A route store on a virtual clock with a map-backed membership view and a broadcast spy. */
function harness(extra: Partial<RouteStoreOptions> = {}) {
  const members = new Map<string, { status: MemberStatus; since: Instant }>();
  const liveness: Liveness = {
    status: (w) => members.get(w)?.status,
    since: (w) => members.get(w)?.since,
    addr: (w) => (members.has(w) ? `${w}:7946` : undefined),
  };
  const broadcasts: { key: string; msg: RouteWire }[] = [];
  const sent: { addr: string; msg: RouteWire }[] = [];
  let now: Instant = 0;
  const store = new RouteStore({
    selfId: 'self',
    generation: 1_000,
    overlays: [dcos, tiny],
    config: { settleMs, graceMs, reclaimMs, recomputeDelayMs: 100 },
    rng: Rng.fromSeed(seed),
    now,
    liveness,
    broadcast: (key, msg) => broadcasts.push({ key, msg }),
    sendTo: (addr, msg) => sent.push({ addr, msg }),
    ...extra,
  });
  const h = {
    store,
    broadcasts,
    sent,
    get now() {
      return now;
    },
    /** Runs every timer due up to `until` (inclusive), then sets the clock to `until`. */
    advance(until: Instant): void {
      for (;;) {
        const t = store.pollTimeout();
        if (t === undefined || t > until) break;
        now = Math.max(now, t);
        store.handleTimeout(now);
      }
      now = until;
    },
    member(id: string, status: MemberStatus): void {
      members.set(id, { status, since: now });
      store.markDirty(now);
    },
    receive(raw: unknown, from = 'peer:7946'): void {
      store.handleRecord(now, from, raw);
    },
    events(): RoutesEvent[] {
      const out: RoutesEvent[] = [];
      for (let e = store.pollEvent(); e !== undefined; e = store.pollEvent()) out.push(e);
      return out;
    },
    changes(): RoutesChanged[] {
      return h.events().filter((e): e is RoutesChanged => e.type === 'routesChanged');
    },
  };
  return h;
}

const remote = (w: string, over: Partial<RouteWire> = {}): RouteWire => ({
  t: 'r',
  o: 'tiny',
  w,
  g: 500,
  v: 1,
  st: 1,
  c: 0,
  s: 0,
  u: '192.168.0.10',
  vi: '44.129.0.1',
  vm: '70:b3:d5:81:00:01',
  ...over,
});

const log = (t: { log: (...v: unknown[]) => void }) => t.log(`SEED=${seed}`);

test('publish claims a slice (sliceClaimed), settles after settleMs (sliceSettled)', (t) => {
  log(t);
  const h = harness();
  const claimed = h.store.publish(0, 'dcos', { underlayIp: '10.0.0.1' });
  t.is(claimed.state, 'claimed');
  const route = claimed.route!;
  t.is(route.owner, 'self');
  t.is(route.underlayIp, '10.0.0.1');
  t.true(route.slice >= 0 && route.slice < dcos.claimableSlices);
  t.is(route.vtepIp, dcos.vtepIp(route.slice));
  t.is(route.agentSubnet, dcos.slice(route.slice).agentSubnet);
  t.deepEqual(h.events(), [{ type: 'sliceClaimed', overlay: 'dcos', slice: route.slice }]);
  const own = h.broadcasts.at(-1)!;
  t.is(own.key, 'r:dcos/self');
  t.like(own.msg, { o: 'dcos', w: 'self', g: 1_000, st: 0, s: route.slice, c: 0 });
  t.is(h.store.stats().claims, 1);

  h.advance(settleMs - 1);
  t.is(h.store.local('dcos')?.state, 'claimed');
  t.deepEqual(h.events(), []);
  h.advance(settleMs);
  const settled = h.store.local('dcos')!;
  t.is(settled.state, 'settled');
  t.is(settled.route?.slice, route.slice);
  t.true(settled.route!.version > route.version);
  const events = h.events();
  t.is(events.length, 1);
  t.like(events[0], { type: 'sliceSettled', overlay: 'dcos', route: { slice: route.slice, owner: 'self' } });
  t.like(h.broadcasts.at(-1)!.msg, { st: 1, s: route.slice });
  // Our own route is not part of our converged table.
  t.deepEqual(h.store.routes('dcos'), []);
});

test('settling waits for one completed anti-entropy exchange after the settle period', (t) => {
  let done: ((at: Instant) => void) | undefined;
  const h = harness({
    sync: (_now, cb) => {
      done = cb;
      return true;
    },
  });
  h.store.publish(0, 'dcos', { underlayIp: '10.0.0.1' });
  h.advance(settleMs + 1000);
  t.is(h.store.local('dcos')?.state, 'claimed', 'no exchange completed yet');
  t.not(done, undefined);
  done!(h.now);
  h.advance(h.now + 100);
  t.is(h.store.local('dcos')?.state, 'settled');
});

test('local: pending while joining, claimed once released, undefined for an unpublished overlay', (t) => {
  const h = harness();
  t.is(h.store.local('dcos'), undefined);
  h.store.holdClaims();
  t.deepEqual(h.store.publish(0, 'tiny', { underlayIp: '10.0.0.1' }), {
    overlay: 'tiny',
    state: 'pending',
    route: undefined,
  });
  h.advance(10_000);
  t.is(h.store.local('tiny')?.state, 'pending');
  t.deepEqual(h.events(), []);
  h.store.releaseClaims(h.now);
  h.advance(h.now + 100);
  t.is(h.store.local('tiny')?.state, 'claimed');
  t.is(h.events()[0]?.type, 'sliceClaimed');
});

test('publish on an unknown overlay is an InvalidArgumentError; so is routes()', (t) => {
  const h = harness();
  const e = t.throws(() => h.store.publish(0, 'nope', { underlayIp: '10.0.0.1' }), {
    instanceOf: InvalidArgumentError,
  });
  t.regex(e?.message ?? '', /unknown overlay "nope"; configured: dcos, tiny/);
  t.throws(() => h.store.routes('nope'), { instanceOf: InvalidArgumentError });
  t.is(h.store.local('nope'), undefined);
});

test('every claimable slice held: publish throws SliceExhaustedError, emits and counts it', (t) => {
  const h = harness();
  for (let s = 0; s < 4; s++) {
    h.member(`p${s}`, 'alive');
    h.receive(remote(`p${s}`, { s, st: s % 2 === 0 ? 1 : 0 }));
  }
  h.advance(200);
  h.events();
  const e = t.throws(() => h.store.publish(h.now, 'tiny', { underlayIp: '10.0.0.1' }), {
    instanceOf: SliceExhaustedError,
  });
  t.is(e?.overlay, 'tiny');
  t.is(e?.slices, 4);
  t.is(e?.code, 'ERR_TRELLIS_SLICES_EXHAUSTED');
  t.regex(e?.message ?? '', /overlay tiny: all 4 \/24 slices of 10\.9\.0\.0\/22 are held by live agents/);
  t.is(h.store.stats().exhausted, 1);
  t.deepEqual(h.events(), [{ type: 'slicesExhausted', overlay: 'tiny', message: e?.message }]);
  t.is(h.store.local('tiny'), undefined, 'a failed publish leaves nothing behind');
  // The other overlay is unaffected.
  t.is(h.store.publish(h.now, 'dcos', { underlayIp: '10.0.0.1' }).state, 'claimed');
});

test('exhausted while pending: local says exhausted, and the claim goes ahead when a slice frees up', (t) => {
  const h = harness();
  h.store.holdClaims();
  h.store.publish(0, 'tiny', { underlayIp: '10.0.0.1' });
  for (let s = 0; s < 4; s++) {
    h.member(`p${s}`, 'alive');
    h.receive(remote(`p${s}`, { s }));
  }
  h.store.releaseClaims(h.now);
  h.advance(200);
  t.is(h.store.local('tiny')?.state, 'exhausted');
  t.deepEqual(
    h
      .events()
      .filter((e) => e.type !== 'routesChanged')
      .map((e) => e.type),
    ['slicesExhausted'],
  );
  h.advance(5_000);
  t.deepEqual(h.events(), [], 'exhaustion is reported once, not on every recompute');
  t.is(h.store.stats().exhausted, 1);
  h.member('p2', 'left');
  h.advance(h.now + 100);
  t.is(h.store.local('tiny')?.state, 'claimed');
  t.is(h.store.local('tiny')?.route?.slice, 2);
  t.true(h.events().some((e) => e.type === 'sliceClaimed'));
});

test('an earlier remote claim on our slice wins: sliceLost, and we claim another slice', (t) => {
  const h = harness();
  h.advance(1_000);
  const mine = h.store.publish(h.now, 'tiny', { underlayIp: '10.0.0.1' }).route!;
  h.events();
  h.member('early', 'alive');
  h.receive(remote('early', { s: mine.slice, st: 0, c: 500 }));
  h.advance(h.now + 100);
  const events = h.events();
  t.like(events[0], { type: 'sliceLost', overlay: 'tiny', slice: mine.slice, to: 'early' });
  t.like(events[1], { type: 'sliceClaimed', overlay: 'tiny' });
  const now = h.store.local('tiny')!;
  t.is(now.state, 'claimed');
  t.not(now.route!.slice, mine.slice);
  t.is(now.route!.generation, mine.generation);
  t.true(now.route!.version > mine.version);
  t.is(h.store.stats().conflictsLost, 1);
  // A later claim on our new slice loses to ours and changes nothing here.
  h.member('late', 'alive');
  h.receive(remote('late', { s: now.route!.slice, st: 0, c: 5_000 }));
  h.advance(h.now + 100);
  t.false(h.events().some((e) => e.type === 'sliceLost'));
  t.is(h.store.local('tiny')?.route?.slice, now.route!.slice);
});

test('a settled claim keeps its slice against an earlier-stamped newcomer', (t) => {
  const h = harness();
  h.advance(1_000);
  const mine = h.store.publish(h.now, 'tiny', { underlayIp: '10.0.0.1' }).route!;
  h.advance(h.now + settleMs);
  t.is(h.store.local('tiny')?.state, 'settled');
  h.events();
  h.member('skewed', 'alive');
  h.receive(remote('skewed', { s: mine.slice, st: 0, c: 1 }));
  h.advance(h.now + 100);
  t.false(h.events().some((e) => e.type === 'sliceLost'));
  t.is(h.store.local('tiny')?.route?.slice, mine.slice);
});

test('a third node seeing two claims on one slice tells the loser directly', (t) => {
  const h = harness();
  h.member('a', 'alive');
  h.member('b', 'alive');
  h.receive(remote('a', { s: 1, st: 1, c: 10 }));
  h.advance(200);
  const winner = h.store.table.get('tiny', 'a')!;
  h.receive(remote('b', { s: 1, st: 0, c: 5 }));
  t.deepEqual(h.sent, [{ addr: 'b:7946', msg: winner }]);
});

test('the converged table holds remote settled routes of live owners, with diff events', (t) => {
  const h = harness();
  h.member('a', 'alive');
  h.member('b', 'suspect');
  h.member('c', 'alive');
  h.receive(remote('a', { s: 0 }));
  h.receive(remote('b', { s: 1, vi: '44.129.0.2', vm: '70:b3:d5:81:00:02' }));
  h.receive(remote('c', { s: 2, st: 0 }), 'c:7946');
  h.receive(remote('stranger', { s: 3 }));
  h.advance(100);
  t.deepEqual(
    h.store.routes('tiny').map((r) => [r.owner, r.agentSubnet, r.mesosSubnet, r.dockerSubnet]),
    [
      ['a', '10.9.0.0/24', '10.9.0.0/25', '10.9.0.128/25'],
      ['b', '10.9.1.0/24', '10.9.1.0/25', '10.9.1.128/25'],
    ],
    'claimed (settling) routes and unknown owners are left out',
  );
  const [added] = h.changes();
  t.deepEqual(added?.added.map((r) => r.owner).sort(), ['a', 'b']);
  t.deepEqual(added?.removed, []);
  t.deepEqual(h.store.routes('dcos'), []);

  // c settles: added. a moves its underlay: changed. b withdraws: removed.
  h.receive(remote('c', { s: 2, v: 2 }));
  h.receive(remote('a', { s: 0, v: 2, u: '192.168.0.99' }));
  h.receive(remote('b', { s: 1, v: 2, st: 2 }));
  h.advance(h.now + 100);
  const changes = h.changes();
  t.is(changes.length, 1, 'changes arriving together are coalesced into one event');
  const e = changes[0]!;
  t.is(e.overlay, 'tiny');
  t.deepEqual(
    e.added.map((r) => r.owner),
    ['c'],
  );
  t.deepEqual(
    e.removed.map((r) => r.owner),
    ['b'],
  );
  t.deepEqual(
    e.changed.map(([p, n]) => [p.owner, p.underlayIp, n.underlayIp]),
    [['a', '192.168.0.10', '192.168.0.99']],
  );
  t.is(h.store.stats().applied, 7);
  // A version bump with the same route is no change for the kernel.
  h.receive(remote('a', { s: 0, v: 3, u: '192.168.0.99' }));
  h.advance(h.now + 100);
  t.deepEqual(h.changes(), []);
});

test('a dead owner’s route leaves after graceMs and comes back if it does', (t) => {
  const h = harness();
  h.member('a', 'alive');
  h.receive(remote('a'));
  h.advance(100);
  h.changes();
  h.advance(1_000);
  h.member('a', 'dead');
  h.advance(1_000 + graceMs - 1);
  t.deepEqual(
    h.store.routes('tiny').map((r) => r.owner),
    ['a'],
    'still routed within grace',
  );
  t.deepEqual(h.changes(), []);
  h.advance(1_000 + graceMs);
  t.deepEqual(h.store.routes('tiny'), []);
  t.deepEqual(
    h.changes().map((e) => e.removed.map((r) => r.owner)),
    [['a']],
  );
  t.is(h.store.table.get('tiny', 'a')?.st, 1, 'suspended, not deleted');
  h.member('a', 'alive');
  h.advance(h.now + 100);
  t.deepEqual(
    h.changes().map((e) => e.added.map((r) => r.owner)),
    [['a']],
  );
});

test('a dead owner’s slice is not handed out before reclaimMs', (t) => {
  const h = harness();
  for (let s = 0; s < 4; s++) {
    h.member(`p${s}`, 'alive');
    h.receive(remote(`p${s}`, { s }));
  }
  h.member('p3', 'dead');
  h.advance(reclaimMs - 1);
  t.throws(() => h.store.publish(h.now, 'tiny', { underlayIp: '10.0.0.1' }), {
    instanceOf: SliceExhaustedError,
  });
  h.advance(reclaimMs);
  t.is(h.store.publish(h.now, 'tiny', { underlayIp: '10.0.0.1' }).route?.slice, 3);
});

test('a left owner’s route is withdrawn at once', (t) => {
  const h = harness();
  h.member('a', 'alive');
  h.receive(remote('a'));
  h.advance(100);
  h.changes();
  h.member('a', 'left');
  h.advance(h.now + 100);
  t.deepEqual(h.store.routes('tiny'), []);
  t.deepEqual(
    h.changes().map((e) => e.removed.map((r) => r.owner)),
    [['a']],
  );
});

test('withdraw gossips a tombstone with a higher version; local is gone', (t) => {
  const h = harness();
  const claimed = h.store.publish(0, 'tiny', { underlayIp: '10.0.0.1' }).route!;
  h.advance(settleMs);
  const settled = h.store.table.get('tiny', 'self')!;
  h.store.withdraw(h.now, 'tiny');
  const last = h.broadcasts.at(-1)!;
  t.is(last.key, 'r:tiny/self');
  t.like(last.msg, { st: 2, g: settled.g, s: claimed.slice });
  t.true(last.msg.v > settled.v);
  t.is(h.store.table.get('tiny', 'self'), last.msg);
  t.is(h.store.local('tiny'), undefined);
  // Withdrawing again, or an overlay never published, is a no-op.
  const n = h.broadcasts.length;
  h.store.withdraw(h.now, 'tiny');
  h.store.withdraw(h.now, 'dcos');
  t.is(h.broadcasts.length, n);
});

test('publish again updates our addresses in place: same slice, higher version', (t) => {
  const h = harness();
  const first = h.store.publish(0, 'tiny', { underlayIp: '10.0.0.1' }).route!;
  const second = h.store.publish(10, 'tiny', { underlayIp: '10.0.0.2' }).route!;
  t.is(second.slice, first.slice);
  t.is(second.underlayIp, '10.0.0.2');
  t.true(second.version > first.version);
  t.is(h.store.stats().claims, 1);
});

test('our previous generation’s record is adopted, and publish continues its slice', (t) => {
  const h = harness();
  const old = remote('self', { g: 400, v: 7, s: 2, st: 1, c: 50, vi: '44.129.0.3', vm: '70:b3:d5:81:00:03' });
  h.receive(old);
  t.deepEqual(h.store.table.get('tiny', 'self'), old, 'kept in place, not withdrawn');
  h.advance(1_000);
  const local = h.store.publish(h.now, 'tiny', { underlayIp: '192.168.0.10' });
  t.is(local.state, 'settled', 'a settled slice continues settled: peers see no blip');
  t.is(local.route?.slice, 2);
  t.is(local.route?.generation, 1_000);
  const own = h.store.table.get('tiny', 'self')!;
  t.like(own, { g: 1_000, s: 2, st: 1, c: 50 });
  t.false(h.events().some((e) => e.type === 'sliceClaimed'));
});

test('our previous generation’s record is withdrawn if we do not publish in time', (t) => {
  const h = harness();
  h.receive(remote('self', { g: 400, v: 7, s: 2 }));
  h.advance(29_999);
  t.is(h.store.table.get('tiny', 'self')?.st, 1);
  h.advance(30_000);
  t.like(h.store.table.get('tiny', 'self'), { g: 1_000, v: 0, st: 2 });
  t.like(h.broadcasts.at(-1)?.msg, { w: 'self', g: 1_000, st: 2 });
});

test('newer news about our live record is refuted: we re-assert above it', (t) => {
  const h = harness();
  h.store.publish(0, 'tiny', { underlayIp: '10.0.0.1' });
  const mine = h.store.table.get('tiny', 'self')!;
  h.receive({ ...mine, v: mine.v + 5, u: '6.6.6.6' });
  const own = h.store.table.get('tiny', 'self')!;
  t.is(own.u, '10.0.0.1');
  t.is(own.v, mine.v + 6);
  t.is(h.broadcasts.at(-1)?.msg, own);
});

test('peer garbage is counted and reported as routeRejected, never thrown', (t) => {
  const h = harness();
  const hostile = new Proxy(
    {},
    {
      get() {
        throw new Error('boom');
      },
    },
  );
  const garbage: unknown[] = [
    null,
    42,
    'r',
    [],
    hostile,
    { ...remote('a'), u: '1.2.3.256' },
    { ...remote('a'), o: 'X' },
  ];
  for (const g of garbage) t.notThrows(() => h.receive(g, 'evil:1'));
  t.deepEqual(h.store.stats().rejected, { malformed: 5, invalidAddress: 1, invalidOverlay: 1 });
  const events = h.events();
  t.is(events.length, garbage.length);
  t.deepEqual(events[0], { type: 'routeRejected', from: 'evil:1', reason: 'malformed' });
  t.is(h.store.table.size, 0);
  t.deepEqual(h.broadcasts, []);
});

test('records for an overlay we do not configure are stored and relayed, not routed', (t) => {
  const h = harness();
  h.member('a', 'alive');
  h.receive(remote('a', { o: 'other' }));
  h.advance(100);
  t.is(h.store.table.get('other', 'a')?.w, 'a');
  t.is(h.broadcasts.at(-1)?.key, 'r:other/a');
  t.deepEqual(h.changes(), []);
});

test('publish after withdraw sorts above our own tombstone, so peers take the new claim', (t) => {
  const h = harness();
  h.store.publish(h.now, 'dcos', { underlayIp: '192.168.0.1' });
  h.store.withdraw(h.now, 'dcos');
  const tombstone = h.broadcasts.at(-1)!.msg;
  t.is(tombstone.st, 2);
  h.store.publish(h.now, 'dcos', { underlayIp: '192.168.0.1' });
  const claim = h.broadcasts.at(-1)!.msg;
  t.is(claim.st, 0);
  t.true(
    claim.g > tombstone.g || (claim.g === tombstone.g && claim.v > tombstone.v),
    'the claim wins the join',
  );
});
