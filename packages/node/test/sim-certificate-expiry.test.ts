import test from 'ava';
import { seedFromEnv } from '@trellis/sim';
import { TestCa } from './helpers/sim-identity.js';
import type { NodeIdentity } from '../src/identity/node-identity.js';
import { cluster, rejected } from './helpers/signed-cluster.js';

/**
 * Issue 12: a certificate's `notAfter` is the operator's way to retire a node's key (there is no
 * revocation list), so a member admitted before its certificate expired must not keep signing
 * records that count after it: expiry is checked at every use of the key, not only at admission.
 */

const epochMs = 1_700_000_000_000; // the simulator's clock starts here
const retired = 'n3';

/** A CA whose certificate for `retired` runs out two virtual minutes in. */
class RetiringCa extends TestCa {
  readonly expiresAt = epochMs + 120_000;
  override identity(id: string, notAfter?: number): NodeIdentity {
    return super.identity(id, id === retired ? this.expiresAt : notAfter);
  }
}

test('records a member signs after its certificate expired are refused, though it was admitted before', (t) => {
  const seed = seedFromEnv(1210);
  const ca = new RetiringCa();
  const c = cluster(seed, ca);
  t.true(c.sim.now < ca.expiresAt, `converged at ${c.sim.now - epochMs} ms, before the expiry`);
  const racks = (id: string) => c.node(id).kv('racks');
  for (const n of c.running()) racks(n.id);
  racks(retired).set('rack', 'before');
  const everyone = (value: string) =>
    c.running().every((n) => n.id === retired || racks(n.id).get('rack', retired) === value);
  t.true(
    c.sim.runUntil(() => everyone('before'), { timeoutMs: 20_000 }),
    `SEED=${seed}: valid, it spreads`,
  );
  c.sim.run(ca.expiresAt - c.sim.now + 1_000);
  const got: string[] = [];
  for (const n of c.running()) n.on('message', (m) => m.from === retired && got.push(n.id));
  racks(retired).set('rack', 'after');
  c.node(retired).broadcast('deploy', 'after');
  c.sim.run(20_000);
  const others = c.running().filter((n) => n.id !== retired);
  for (const n of others) t.is(racks(n.id).get('rack', retired), 'before', `${n.id} keeps the valid write`);
  t.deepEqual(got, [], 'no node delivered the broadcast signed after the expiry');
  t.true(rejected(others, 'message:unknownSigner') >= 1, 'the broadcast refused as unknownSigner');
});
