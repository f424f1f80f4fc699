import test from 'ava';
import { seedFromEnv } from '@trellis/sim';
import type { RouteWire } from '@trellis/routes';
import { wireSize } from '@trellis/swim';
import { SimCluster } from './helpers/sim-cluster.js';
import { dcos, publisher, tablesMatchTruth } from './helpers/routes-fixtures.js';

function record(i: number, v = 0): RouteWire {
  return {
    t: 'r',
    o: 'dcos',
    w: `agent-${i}`,
    g: 1,
    v,
    st: 1,
    c: 1,
    s: i,
    u: `172.16.${i >> 8}.${i & 255}`,
    vi: `44.128.${i >> 8}.${(i & 255) + 1 > 255 ? 255 : (i & 255) + 1}`,
    vm: '70:b3:d5:00:00:01',
  };
}

test('push-pull costs a few bytes when 5,000-record tables agree, and grows with the difference', (t) => {
  const seed = seedFromEnv(500);
  t.log(`SEED=${seed}`);
  const c = new SimCluster({
    seed,
    nodes: 2,
    overlays: dcos,
    swim: { pushPullIntervalMs: 0, reconnectIntervalMs: 0 },
  });
  t.true(c.sim.runUntil(() => c.allSeeAlive(c.ids()), { timeoutMs: 5000 }));
  // A syncs only with members that showed they exist: b's join request is only a claim, its
  // first ping or gossip from its own address (within a probe interval) confirms it.
  c.sim.run(1000);
  const [a, b] = [c.node(0), c.node(1)];
  // The same 5,000 records on both sides, written straight into the tables (no gossip).
  for (let i = 0; i < 5000; i++) {
    a.stores.routes.store.table.merge(record(i), c.sim.now);
    b.stores.routes.store.table.merge(record(i), c.sim.now);
  }
  const exchange = (): number => {
    const before = a.stats().swim.pushPullBytesEstimated;
    // Queued now, sent at the driver's next flush (its next timer, within a gossip interval).
    t.true(a.core.swim.syncWithRandomPeer(c.sim.now, () => undefined));
    c.sim.run(1000);
    return a.stats().swim.pushPullBytesEstimated - before;
  };
  const agree = exchange();
  // Now b holds 10 records a lacks or has older.
  for (let i = 0; i < 10; i++) b.stores.routes.store.table.merge(record(i * 450 + 7, 5), c.sim.now);
  const differ = exchange();
  const fullState = [...b.stores.routes.store.table.all()].reduce((n, r) => n + wireSize(r), 0);
  t.log(`in sync: ${agree} bytes; 10 records differ: ${differ} bytes; full state ${fullState} bytes`);
  t.true(agree < 200, `in-sync exchange ${agree} bytes`);
  t.true(differ < 30_000, `10-record difference cost ${differ} bytes`);
  t.true(differ > agree);
  for (let i = 0; i < 10; i++) t.is(a.stores.routes.record('dcos', `agent-${i * 450 + 7}`)?.v, 5);
  t.is(exchange() < 200, true, 'in sync again');
});

test('routes replicate to every node, also under 10 % loss', (t) => {
  const seed = seedFromEnv(501);
  t.log(`SEED=${seed}`);
  const c = new SimCluster({ seed, nodes: 100, overlays: dcos, onStart: publisher('dcos') });
  c.sim.setLossRate(0.1);
  t.true(
    c.sim.runUntil(() => tablesMatchTruth(c, 'dcos') && c.node(0).stores.routes.table('dcos').length === 99, {
      timeoutMs: 60_000,
      checkEveryMs: 250,
    }),
  );
  t.log(
    `100 nodes, 10 % loss: every table equals the ground truth after ${c.sim.now - 1_700_000_000_000} ms`,
  );
});
