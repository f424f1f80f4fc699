import test from 'ava';
import { StoreTestbed } from '@trellis/store/testbed';
import { RouteStore } from '../src/route-store.js';
import { dcos, harness, reclaimMs, remote, settleMs, tiny } from './helpers/route-harness.js';

test('withdraw gossips a tombstone with a higher version; local is gone', (t) => {
  const h = harness();
  const claimed = h.store.publish(0, 'tiny', { underlayIp: '10.0.0.1' }).route!;
  h.advance(settleMs);
  const settled = h.store.record('tiny', 'self')!;
  h.store.withdraw(h.now, 'tiny');
  const last = h.broadcasts.at(-1)!;
  t.is(last.key, 'tiny/self');
  t.like(last.msg, { st: 2, g: settled.g, s: claimed.slice });
  t.true(last.msg.v > settled.v);
  t.is(h.store.record('tiny', 'self'), last.msg);
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
  t.deepEqual(h.store.record('tiny', 'self'), old, 'kept in place, not withdrawn');
  h.advance(1_000);
  const local = h.store.publish(h.now, 'tiny', { underlayIp: '192.168.0.10' });
  t.is(local.state, 'settled', 'a settled slice continues settled: peers see no blip');
  t.is(local.route?.slice, 2);
  t.is(local.route?.generation, 1_000);
  const own = h.store.record('tiny', 'self')!;
  t.like(own, { g: 1_000, s: 2, st: 1, c: 50 });
  t.false(h.events().some((e) => e.type === 'sliceClaimed'));
});

test('our previous generation’s record is withdrawn if we do not publish in time', (t) => {
  const h = harness();
  h.receive(remote('self', { g: 400, v: 7, s: 2 }));
  h.advance(29_999);
  t.is(h.store.record('tiny', 'self')?.st, 1);
  h.advance(30_000);
  t.like(h.store.record('tiny', 'self'), { g: 1_000, v: 0, st: 2 });
  t.like(h.broadcasts.at(-1)?.msg, { w: 'self', g: 1_000, st: 2 });
});

test('newer news about our live record is refuted: we re-assert above it', (t) => {
  const h = harness();
  h.store.publish(0, 'tiny', { underlayIp: '10.0.0.1' });
  const mine = h.store.record('tiny', 'self')!;
  h.receive({ ...mine, v: mine.v + 5, u: '6.6.6.6' });
  const own = h.store.record('tiny', 'self')!;
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
  t.is(h.store.record('other', 'a')?.w, 'a');
  t.is(h.broadcasts.at(-1)?.key, 'other/a');
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

test('ghost slice: a long-dead owner never takes back the slice a newcomer took over', (t) => {
  const h = harness();
  // Three live peers hold slices 0-2 of `tiny`; d holds slice 3, settled long ago.
  for (let s = 0; s < 3; s++) {
    h.member(`p${s}`, 'alive');
    h.receive(remote(`p${s}`, { s, c: 0 }));
  }
  h.member('d', 'alive');
  h.receive(remote('d', { s: 3, c: 0 }));
  h.advance(1_000);
  h.member('d', 'dead');
  h.advance(h.now + reclaimMs + 1);
  h.store.publish(h.now, 'tiny', { underlayIp: '10.0.0.1' });
  h.advance(h.now + settleMs + 1_000);
  t.like(h.store.local('tiny'), { state: 'settled', route: { slice: 3 } });
  h.events();
  // A day later d's member tombstone is collected: its owner is unknown from now on.
  h.advance(h.now + 86_400_000);
  h.member('d', undefined);
  h.advance(h.now + 120_000);
  t.like(h.store.local('tiny'), { state: 'settled', route: { slice: 3 } });
  t.is(h.store.record('tiny', 'd'), undefined, 'reaped once dead for reapMs');
  t.true(h.store.stats().reaped >= 1);
  // A stale replica brings d's old record back: stored (its owner is unknown), never the winner.
  h.receive(remote('d', { s: 3, c: 0 }));
  h.advance(h.now + 1_000);
  t.is(h.store.record('tiny', 'd')?.w, 'd');
  t.like(h.store.local('tiny'), { state: 'settled', route: { slice: 3 } });
  t.false(h.events().some((e) => e.type === 'sliceLost'));
});

test('a record of a dead owner is refused once it is gone for good, unless it is from a newer life', (t) => {
  const h = harness();
  h.member('d', 'alive');
  h.receive(remote('d', { s: 1 }));
  h.member('d', 'dead');
  h.advance(h.now + 3_600_000 + 60_000);
  t.is(h.store.record('tiny', 'd'), undefined, 'reaped');
  h.receive(remote('d', { s: 1, v: 9 }));
  t.is(h.store.record('tiny', 'd'), undefined);
  t.is(h.store.stats().rejected['ownerGone'], 1);
  // The testbed's members are at incarnation 1000: a generation above it is a later life.
  h.receive(remote('d', { s: 1, g: 2_000, v: 0 }));
  t.is(h.store.record('tiny', 'd')?.g, 2_000);
});

test('a claim published again after our tombstone was collected here beats it on slower replicas', (t) => {
  const h = harness();
  const replicaBed = new StoreTestbed({ selfId: 'replica', generation: 1_000 });
  const replica = new RouteStore({ ctx: replicaBed.context('routes'), overlays: [dcos, tiny] });
  const deliver = () => {
    for (const b of h.broadcasts.splice(0)) replica.handleRecord(h.now, 'self:7946', b.msg);
  };
  h.store.publish(h.now, 'tiny', { underlayIp: '10.0.0.1' });
  h.advance(h.now + settleMs + 1_000);
  h.store.withdraw(h.now, 'tiny');
  deliver();
  t.is(replica.record('tiny', 'self')?.st, 2, 'the replica holds our tombstone');
  const tombstone = replica.record('tiny', 'self')!;
  // Our tombstone is collected here (after its TTL); the slow replica still has it.
  h.advance(h.now + 1_800_000 + 60_000);
  t.is(h.store.record('tiny', 'self'), undefined);
  h.store.publish(h.now, 'tiny', { underlayIp: '10.0.0.1' });
  deliver();
  const now = replica.record('tiny', 'self')!;
  t.is(now.st, 0, 'the new claim replaced the tombstone');
  t.true(now.g > tombstone.g || (now.g === tombstone.g && now.v > tombstone.v));
});
