import test from 'ava';
import { seedFromEnv } from '@trellis/sim';
import { TestCa } from './helpers/sim-identity.js';
import { cluster, codec } from './helpers/signed-cluster.js';

/**
 * Issue 12, shared kv with identity on: the last writer wins by a hybrid clock each node keeps
 * above every stamp it has seen. A stamp seen on a record that is then refused (no signature,
 * or not its writer's) must not move that clock: an outsider's unsigned datagram would set one
 * node's later writes an hour ahead, winning over everyone's writes that come after them.
 */

test('a refused shared-kv record does not move the clock: of two racing writes the later still wins', (t) => {
  const seed = seedFromEnv(1211);
  const c = cluster(seed, new TestCa());
  const leader = (id: string) => c.node(id).kv('leader', { mode: 'shared' });
  for (const n of c.running()) leader(n.id);
  const skewMs = 3_600_000; // the default clockSkewMaxMs
  const forged = {
    t: 'v:leader',
    k: 'leader',
    l: c.sim.now + skewMs - 1_000,
    c: 0,
    w: 'n1',
    st: 0,
    d: new Uint8Array([0xa4, 0x65, 0x76, 0x69, 0x6c]),
  };
  const outsider = c.sim.addHost('10.66.6.6:7946');
  for (const p of codec.encodeDatagrams([forged]).packets) outsider.sendDatagram(c.addrOf('n0'), p);
  c.sim.run(1_000);
  t.is(leader('n0').get('leader'), undefined, 'the forgery itself is refused');
  // n4 does not hear of n0's write before its own, five seconds later: the writes race, and
  // the later one (by the clocks of honest nodes) must win.
  c.sim.hold(c.addrOf('n4'));
  leader('n0').set('leader', 'n0');
  c.sim.run(5_000);
  leader('n4').set('leader', 'n4');
  c.sim.release(c.addrOf('n4'));
  const settled = c.sim.runUntil(() => c.running().every((n) => leader(n.id).get('leader') === 'n4'), {
    timeoutMs: 20_000,
  });
  t.true(
    settled,
    `SEED=${seed}: n4 wrote last and wins everywhere (held: ${JSON.stringify(c.running().map((n) => leader(n.id).get('leader')))})`,
  );
});
