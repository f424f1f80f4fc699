import test from 'ava';
import { seedFromEnv } from '@trellis/sim';
import { taskKey, type TaskWire } from '@trellis/tasks';
import type { GossipNode } from './helpers/sim-cluster.js';
import { SimCluster } from './helpers/sim-cluster.js';

/**
 * Withdrawn records must die. Replicas collect a tombstone (and reap a departed owner's
 * records) at their own sweeps, a minute apart; one that has not yet offers the record back
 * in push-pulls. Taken back and relayed, it never leaves the cluster.
 */
const tasksPerNode = 3;

const publish = (node: GossipNode): void => {
  const k = Number(node.id.slice(1));
  for (let j = 0; j < tasksPerNode; j++)
    node.stores.tasks.publish({
      id: `${node.id}.t${j}`,
      name: `task-${k}-${j}`,
      framework: 'marathon',
      agentIp: `10.0.0.${k + 1}`,
      networks: [],
    });
};

/** 20 nodes started 3 s apart, as real hosts are: their sweeps run at different moments. */
function staggeredCluster(seed: number): SimCluster {
  const c = new SimCluster({ seed, nodes: 1, onStart: publish });
  for (let i = 1; i < 20; i++) {
    c.sim.run(3_100);
    c.addNode(i, true);
  }
  const all = 20 * tasksPerNode;
  if (
    !c.sim.runUntil(() => c.running().every((n) => n.stores.tasks.list().length === all), {
      timeoutMs: 30_000,
    })
  )
    throw new Error(`SEED=${seed}: tasks did not converge`);
  return c;
}

const holding = (c: SimCluster, pick: (r: TaskWire) => boolean): GossipNode[] =>
  c.running().filter((n) => [...n.stores.tasks.store.table.all()].some(pick));

test('a departed agent’s records leave every replica, for good', (t) => {
  const seed = seedFromEnv(760);
  t.log(`SEED=${seed}`);
  const c = staggeredCluster(seed);
  void c.node(5).leave();
  c.sim.run(5_000);
  c.crash(5);
  // Every replica sweeps within a minute: give them three.
  c.sim.run(180_000);
  for (let check = 0; check < 240; check++) {
    const holders = holding(c, (r) => r.w === 'n5');
    if (holders.length > 0)
      return t.fail(`${(check * 10) / 60} min after: ${holders.length} nodes hold n5's records again`);
    c.sim.run(10_000);
  }
  t.pass();
});

test('a withdrawn task’s tombstone is collected everywhere after its TTL, and stays collected', (t) => {
  const seed = seedFromEnv(761);
  t.log(`SEED=${seed}`);
  const c = staggeredCluster(seed);
  const ttl = c.node(0).stores.tasks.store.config.tombstoneTtlMs;
  t.true(c.node(6).stores.tasks.withdraw('n6.t0'));
  const tombstone = (r: TaskWire) => r.w === 'n6' && r.i === 'n6.t0';
  c.sim.run(60_000);
  t.is(holding(c, tombstone).length, 20, 'the withdrawal reached everyone');
  const version = c.node(0).stores.tasks.store.table.get(taskKey('n6', 'n6.t0'))?.v;
  // Collected at each replica's first sweep past the TTL: a minute apart at most.
  c.sim.run(ttl + 60_000);
  for (let check = 0; check < 90; check++) {
    const holders = holding(c, tombstone);
    if (holders.length > 0) {
      const versions = holders.map((n) => [...n.stores.tasks.store.table.all()].find(tombstone)?.v);
      return t.fail(
        `${check} min after the TTL: ${holders.length} nodes hold it (versions ${[...new Set(versions)].join(',')}, first ${version})`,
      );
    }
    c.sim.run(60_000);
  }
  t.pass();
});

test('a record of an owner nobody knows is reaped everywhere after reapMs, for good', (t) => {
  const seed = seedFromEnv(762);
  t.log(`SEED=${seed}`);
  const c = staggeredCluster(seed);
  const n0 = c.node(0).stores.tasks.store;
  const template = [...n0.table.all()].find((r) => r.w === 'n3')!;
  // Nobody's member record: taken on the benefit of the doubt, and gossiped on.
  n0.handleRecord(c.sim.now, '10.9.9.9:7946', { ...template, w: 'ghost', i: 'ghost.t0', g: 5, v: 0 });
  const ghost = (r: TaskWire) => r.w === 'ghost';
  c.sim.run(60_000);
  t.is(holding(c, ghost).length, 20, 'it reached everyone');
  c.sim.run(n0.config.reapMs + 180_000);
  for (let check = 0; check < 60; check++) {
    const holders = holding(c, ghost);
    if (holders.length > 0) return t.fail(`${check} min after reapMs: ${holders.length} nodes hold it`);
    c.sim.run(60_000);
  }
  t.pass();
});
