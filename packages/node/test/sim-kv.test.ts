import test from 'ava';
import { seedFromEnv } from '@trellis/sim';
import type { KvTable } from '@trellis/kv';
import { SimCluster, type GossipNode } from './helpers/sim-cluster.js';

/**
 * The application's own data at scale, in virtual time: an owned `kv` table of 10,000 keys
 * (50 per node on 200 nodes) written at start, through 5 % loss, then changed on both sides of
 * a partition and repaired. The simulator is deterministic: bounds are exact, replayable with
 * SEED=n.
 */
const n = 200;
const perNode = 50;

/** What every node must see: `owner/key` -> value. */
type Truth = Map<string, unknown>;

function tableOf(node: GossipNode): KvTable {
  return node.kv('inventory');
}

function agrees(c: SimCluster, truth: Truth): boolean {
  const root = JSON.stringify(tableOf(c.running()[0]!).store.digest().root());
  return c
    .running()
    .every(
      (node) =>
        tableOf(node).stats().visible === truth.size &&
        JSON.stringify(tableOf(node).store.digest().root()) === root,
    );
}

/** Every node's view, entry by entry, against the truth (run once, at the end: it is slow). */
function mismatches(c: SimCluster, truth: Truth): string[] {
  const out: string[] = [];
  for (const node of c.running()) {
    const seen = new Map(
      tableOf(node)
        .entries()
        .map((e) => [`${e.owner}/${e.key}`, e.value]),
    );
    if (seen.size !== truth.size) out.push(`${node.id}: ${seen.size} entries, want ${truth.size}`);
    for (const [k, v] of truth)
      if (JSON.stringify(seen.get(k)) !== JSON.stringify(v))
        out.push(`${node.id}: ${k} = ${JSON.stringify(seen.get(k))}`);
    if (out.length > 5) break;
  }
  return out;
}

test('a 10,000-key owned table converges on 200 nodes through 5 % loss, and again after a partition', (t) => {
  // 200 real nodes with 10,000 records each, gossiped and pushed-pulled through the simulator:
  // about 100 s of wall time on a 2-core machine, past the suite's 2-minute inactivity timeout.
  t.timeout(6 * 60_000);
  const seed = seedFromEnv(700);
  t.log(`SEED=${seed}`);
  const truth: Truth = new Map();
  const c = new SimCluster({
    seed,
    nodes: n,
    network: { lossRate: 0.05 },
    recordEvents: false,
    onStart: (node) => {
      const table = tableOf(node);
      for (let k = 0; k < perNode; k++) {
        table.set(`item-${k}`, { n: k, tag: 'boot' });
        truth.set(`${node.id}/item-${k}`, { n: k, tag: 'boot' });
      }
    },
  });
  const started = Date.now();
  t.true(
    c.sim.runUntil(() => agrees(c, truth), { timeoutMs: 60_000, checkEveryMs: 500 }),
    'boot convergence',
  );
  t.log(`10,000 keys on 200 nodes: converged at ${c.sim.now} ms virtual (${Date.now() - started} ms wall)`);
  t.deepEqual(mismatches(c, truth), []);

  // Split in two; each side writes and deletes while the other cannot hear it.
  const ids = c.ids();
  const left = ids.slice(0, n / 2);
  const right = ids.slice(n / 2);
  c.sim.partition(
    left.map((id) => c.addrOf(id)),
    right.map((id) => c.addrOf(id)),
  );
  for (const id of left) {
    const table = tableOf(c.node(id));
    for (let k = 0; k < 10; k++) {
      table.set(`item-${k}`, { n: k, tag: 'left' });
      truth.set(`${id}/item-${k}`, { n: k, tag: 'left' });
    }
  }
  for (const id of right) {
    const table = tableOf(c.node(id));
    for (let k = 40; k < 45; k++) {
      t.true(table.delete(`item-${k}`));
      truth.delete(`${id}/item-${k}`);
    }
  }
  c.sim.run(40_000);
  // Long enough for each side to bury the other and drop its entries after the grace period.
  t.true(tableOf(c.node(0)).entries().length < truth.size, 'the other side left the view');
  const repairedAt = c.sim.now;
  c.sim.repair();
  t.true(
    c.sim.runUntil(() => agrees(c, truth), { timeoutMs: 90_000, checkEveryMs: 500 }),
    'after the repair',
  );
  t.log(
    `after the repair: converged in ${c.sim.now - repairedAt} ms virtual (${Date.now() - started} ms wall in all)`,
  );
  t.deepEqual(mismatches(c, truth), []);
});

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
