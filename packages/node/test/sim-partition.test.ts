import test from 'ava';
import { seedFromEnv } from '@trellis/sim';
import { SimCluster } from './helpers/sim-cluster.js';

test('a 50/50 partition for 60 s, then repair, ends as one cluster with no stale dead entries', (t) => {
  const seed = seedFromEnv(200);
  t.log(`SEED=${seed}`);
  const c = new SimCluster({ seed, nodes: 40 });
  t.true(c.sim.runUntil(() => c.allSeeAlive(c.ids()), { timeoutMs: 5000 }));
  const left = c
    .ids()
    .slice(0, 20)
    .map((id) => c.addrOf(id));
  const right = c
    .ids()
    .slice(20)
    .map((id) => c.addrOf(id));
  c.sim.partition(left, right);
  c.sim.run(60_000);
  // Each side has buried the other.
  t.is(c.node(0).member('n30')?.status, 'dead');
  t.is(c.node(30).member('n0')?.status, 'dead');
  const repairedAt = c.sim.now;
  c.sim.repair();
  t.true(c.sim.runUntil(() => c.allSeeAlive(c.ids()), { timeoutMs: 60_000, checkEveryMs: 100 }));
  t.log(`healed ${c.sim.now - repairedAt} ms after repair`);
  for (const n of c.running()) t.is(n.members().filter((m) => m.status === 'dead').length, 0);
});

test('a one-way partition does not end in a split cluster', (t) => {
  const seed = seedFromEnv(201);
  t.log(`SEED=${seed}`);
  const c = new SimCluster({ seed, nodes: 20 });
  t.true(c.sim.runUntil(() => c.allSeeAlive(c.ids()), { timeoutMs: 5000 }));
  c.sim.partition(
    [c.addrOf('n3')],
    c
      .ids()
      .filter((id) => id !== 'n3')
      .map((id) => c.addrOf(id)),
    { oneWay: true },
  );
  c.sim.run(30_000);
  c.sim.repair();
  t.true(c.sim.runUntil(() => c.allSeeAlive(c.ids()), { timeoutMs: 60_000, checkEveryMs: 100 }));
});
