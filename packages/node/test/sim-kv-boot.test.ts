import test from 'ava';
import { seedFromEnv } from '@trellis/sim';
import { agrees, kvCluster, mismatches } from './helpers/kv-cluster.js';

test('a 10,000-key owned table converges on 200 nodes through 5 % loss', (t) => {
  const seed = seedFromEnv(700);
  t.log(`SEED=${seed}`);
  const started = Date.now();
  const { c, truth } = kvCluster(seed);
  t.true(c.sim.runUntil(() => agrees(c, truth), { timeoutMs: 60_000, checkEveryMs: 500 }));
  t.log(
    `10,000 keys on 200 nodes: converged at ${c.sim.now - 1.7e12} ms virtual (${Date.now() - started} ms wall)`,
  );
  t.deepEqual(mismatches(c, truth), []);
});
