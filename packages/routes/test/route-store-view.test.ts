import test from 'ava';
import { SliceExhaustedError } from '../src/routes-errors.js';
import { harness, remote, graceMs, reclaimMs } from './helpers/route-harness.js';

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
  t.is(h.store.record('tiny', 'a')?.st, 1, 'suspended, not deleted');
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
