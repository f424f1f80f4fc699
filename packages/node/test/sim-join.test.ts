import test from 'ava';
import { seedFromEnv } from '@trellis/sim';
import { SimCluster } from './helpers/sim-cluster.js';

test('10 simulated nodes converge after joining node 0', (t) => {
  const seed = seedFromEnv(1);
  t.log(`SEED=${seed}`);
  const c = new SimCluster({ seed, nodes: 10 });
  const ok = c.sim.runUntil(() => c.allSeeAlive(c.ids()), { timeoutMs: 10_000 });
  t.true(ok, 'converged');
  t.log(`converged at ${c.sim.now - 1_700_000_000_000} ms`);
  c.sim.run(20_000);
  t.true(c.allSeeAlive(c.ids()), 'still all alive after 20 s');
  const suspicions = c.events.filter((e) => e.event.type === 'memberSuspected').length;
  t.is(suspicions, 0);
});
