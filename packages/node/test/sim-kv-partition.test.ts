import test from 'ava';
import { seedFromEnv } from '@trellis/sim';
import { agrees, kvCluster, kvNodes, mismatches, tableOf } from './helpers/kv-cluster.js';

test('a 10,000-key owned table on 200 nodes changed on both sides of a partition converges after the repair', (t) => {
  const seed = seedFromEnv(702);
  t.log(`SEED=${seed}`);
  const started = Date.now();
  const { c, truth } = kvCluster(seed);
  t.true(
    c.sim.runUntil(() => agrees(c, truth), { timeoutMs: 60_000, checkEveryMs: 500 }),
    'boot',
  );
  const ids = c.ids();
  const left = ids.slice(0, kvNodes / 2);
  const right = ids.slice(kvNodes / 2);
  c.sim.partition(
    left.map((id) => c.addrOf(id)),
    right.map((id) => c.addrOf(id)),
  );
  // Each side writes and deletes while the other cannot hear it.
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
  // Each side buries the other (about 35 s for 100 members at 200 nodes), and a dead owner's
  // entries leave the view 2 s later.
  const leftSide = new Set(left);
  const onlyLeft = () =>
    tableOf(c.node(0))
      .entries()
      .every((e) => leftSide.has(e.owner));
  t.true(c.sim.runUntil(onlyLeft, { timeoutMs: 60_000, checkEveryMs: 5000 }), 'the other side left the view');
  const repairedAt = c.sim.now;
  c.sim.repair();
  // Each node syncs with a member back from the dead at once; what neither side of a pair had
  // (news gossip missed inside a side) waits for the periodic push-pull: every 120 s at 200 nodes.
  t.true(
    c.sim.runUntil(() => agrees(c, truth), { timeoutMs: 150_000, checkEveryMs: 1000 }),
    'after the repair',
  );
  t.log(`converged ${c.sim.now - repairedAt} ms after the repair (${Date.now() - started} ms wall in all)`);
  t.deepEqual(mismatches(c, truth), []);
});
