import test from 'ava';
import { seedFromEnv } from '@trellis/sim';
import type { KvTable } from '@trellis/kv';
import { SimCluster, type GossipNode } from './helpers/sim-cluster.js';

test('a shared table: concurrent writes to the same keys settle on one value everywhere, partition or not', (t) => {
  const seed = seedFromEnv(701);
  t.log(`SEED=${seed}`);
  const shared = (node: GossipNode): KvTable => node.kv('config', { mode: 'shared' });
  const c = new SimCluster({ seed, nodes: 30, network: { lossRate: 0.05 }, recordEvents: false });
  t.true(c.sim.runUntil(() => c.allSeeAlive(c.ids()), { timeoutMs: 10_000 }));
  for (const node of c.running()) shared(node).set('leader', node.id);
  const oneValue = () => {
    const values = new Set(c.running().map((node) => JSON.stringify(shared(node).get('leader'))));
    return values.size === 1 && !values.has(undefined as unknown as string);
  };
  t.true(c.sim.runUntil(oneValue, { timeoutMs: 20_000, checkEveryMs: 100 }));
  const winner = shared(c.node(0)).get('leader');
  t.log(`every node settled on leader=${String(winner)} at ${c.sim.now} ms`);
  // Both sides write during a partition; the repair settles on the later write.
  const addrs = c.ids().map((id) => c.addrOf(id));
  c.sim.partition(addrs.slice(0, 15), addrs.slice(15));
  shared(c.node(3)).set('leader', 'n3-during');
  c.sim.run(1000);
  shared(c.node(20)).set('leader', 'n20-later');
  c.sim.run(20_000);
  t.is(shared(c.node(0)).get('leader'), 'n3-during');
  t.is(shared(c.node(29)).get('leader'), 'n20-later');
  c.sim.repair();
  t.true(
    c.sim.runUntil(() => c.running().every((node) => shared(node).get('leader') === 'n20-later'), {
      timeoutMs: 90_000,
      checkEveryMs: 200,
    }),
  );
});
