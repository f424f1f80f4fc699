import test from 'ava';
import { seedFromEnv } from '@trellis/sim';
import { toMemberMessage } from '@trellis/swim';
import type { MemberRecord } from '@trellis/membership';
import { TestCa } from './helpers/sim-identity.js';
import { cluster, codec, memberPayload } from './helpers/signed-cluster.js';

/**
 * Issue 12: with identity on, `memberConflict` ("another process runs with our id") means our
 * own key signed a record at another address: a record about us that nobody signed, or someone
 * else signed, is noise from the network, never that alarm.
 */

test('an unsigned record of our id at other addresses raises no memberConflict; one our key signed does', (t) => {
  const seed = seedFromEnv(1213);
  const ca = new TestCa();
  const c = cluster(seed, ca);
  const target = c.node('n0');
  const conflicts: string[] = [];
  target.on('memberConflict', (e) => conflicts.push(e.theirs));
  const self = target.members().find((m) => m.id === 'n0')!;
  const outsider = c.sim.addHost('10.66.6.6:7946');
  // An older incarnation of our record: a copy "not newer" than ours, each at a new address.
  for (let n = 1; n <= 20; n++) {
    const forged = toMemberMessage({ ...self, incarnation: self.incarnation - 1, addr: `10.66.7.${n}:7946` });
    for (const p of codec.encodeDatagrams([forged]).packets) outsider.sendDatagram(target.address, p);
  }
  c.sim.run(2_000);
  t.deepEqual(conflicts, [], `SEED=${seed}: no alarm from ${conflicts.length} forged addresses`);
  // Our key, at another address (a copied key file, a second process): that is the alarm.
  const twin: MemberRecord = { ...self, incarnation: self.incarnation - 1, addr: '10.66.8.1:7946' };
  const m = toMemberMessage(twin);
  const signed = { ...m, sg: ca.identity('n0').sign(memberPayload(m, 'n0')) };
  for (const p of codec.encodeDatagrams([signed]).packets) outsider.sendDatagram(target.address, p);
  c.sim.run(1_000);
  t.deepEqual(conflicts, ['10.66.8.1:7946']);
});
