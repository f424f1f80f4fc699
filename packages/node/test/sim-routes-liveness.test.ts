import test from 'ava';
import { seedFromEnv } from '@trellis/sim';
import { SimCluster } from './helpers/sim-cluster.js';
import { ov16, publisher, tablesMatchTruth } from './helpers/routes-fixtures.js';

const graceMs = 10_000;

function settledCluster(seed: number, nodes = 20): SimCluster {
  const c = new SimCluster({
    seed,
    nodes,
    overlays: ov16,
    routes: { graceMs, reclaimMs: 120_000 },
    onStart: publisher('ov'),
  });
  if (
    !c.sim.runUntil(
      () => tablesMatchTruth(c, 'ov') && c.node(0).stores.routes.table('ov').length === nodes - 1,
      {
        timeoutMs: 30_000,
      },
    )
  )
    throw new Error(`SEED=${seed}: routes did not converge`);
  return c;
}

const has = (c: SimCluster, i: number, owner: string) =>
  c
    .node(i)
    .stores.routes.table('ov')
    .some((e) => e.owner === owner);

test('a dead owner\u2019s routes leave after the grace period, stay stored, and return when it is back', (t) => {
  const seed = seedFromEnv(600);
  t.log(`SEED=${seed}`);
  const c = settledCluster(seed);
  const victim = c.addrOf('n5');
  const others = c
    .ids()
    .filter((id) => id !== 'n5')
    .map((id) => c.addrOf(id));
  c.sim.partition([victim], others);
  t.true(c.sim.runUntil(() => c.node(0).member('n5')?.status === 'dead', { timeoutMs: 60_000 }));
  const diedAt = c.sim.now;
  t.true(has(c, 0, 'n5'), 'still routed during the grace period');
  t.true(c.sim.runUntil(() => !has(c, 0, 'n5'), { timeoutMs: graceMs + 5000, checkEveryMs: 50 }));
  t.true(c.sim.now - diedAt >= graceMs - 100, `removed ${c.sim.now - diedAt} ms after death`);
  t.truthy(c.node(0).stores.routes.record('ov', 'n5'), 'suspended, not deleted');
  c.sim.repair();
  t.true(
    c.sim.runUntil(() => c.running().every((n) => n.id === 'n5' || has(c, Number(n.id.slice(1)), 'n5')), {
      timeoutMs: 60_000,
    }),
  );
  t.true(tablesMatchTruth(c, 'ov'));
});

test('an owner that leaves is withdrawn at once, not after the grace period', (t) => {
  const seed = seedFromEnv(601);
  t.log(`SEED=${seed}`);
  const c = settledCluster(seed);
  const leftAt = c.sim.now;
  void c.node(7).leave();
  t.true(
    c.sim.runUntil(() => c.running().every((n) => n.id === 'n7' || !has(c, Number(n.id.slice(1)), 'n7')), {
      timeoutMs: graceMs,
      checkEveryMs: 50,
    }),
  );
  t.log(`withdrawn everywhere ${c.sim.now - leftAt} ms after leave()`);
  t.true(c.sim.now - leftAt < graceMs / 2);
  const left = c.node(0).stores.routes.record('ov', 'n7');
  // A versioned tombstone, until the next sweep reaps the records of an owner that left.
  if (left === undefined) t.true(c.node(0).stores.routes.stats().reaped > 0);
  else t.is(left.st, 2);
});

test('a withdrawal reaches everyone', (t) => {
  const seed = seedFromEnv(602);
  t.log(`SEED=${seed}`);
  const c = settledCluster(seed);
  c.node(3).stores.routes.withdraw('ov');
  t.true(
    c.sim.runUntil(
      () => c.running().every((n) => !n.stores.routes.table('ov').some((e) => e.owner === 'n3')),
      {
        timeoutMs: 10_000,
      },
    ),
  );
  t.is(c.node(3).stores.routes.local('ov'), undefined);
});

test('a restarted owner\u2019s new generation wins everywhere and keeps its slice', (t) => {
  const seed = seedFromEnv(603);
  t.log(`SEED=${seed}`);
  const c = settledCluster(seed);
  const before = c
    .node(0)
    .stores.routes.table('ov')
    .find((e) => e.owner === 'n9')!;
  c.crash(9);
  c.sim.run(3000);
  c.restart(9);
  t.true(
    c.sim.runUntil(
      () =>
        c.running().every((n) => {
          const g = n.stores.routes.table('ov').find((e) => e.owner === 'n9')?.generation;
          return n.id === 'n9' || (g !== undefined && g > before.generation);
        }),
      { timeoutMs: 30_000 },
    ),
  );
  for (const n of c.running()) {
    if (n.id === 'n9') continue;
    const e = n.stores.routes.table('ov').find((x) => x.owner === 'n9');
    t.truthy(e);
    t.true(e!.generation > before.generation);
    t.is(e!.slice, before.slice, 'the restarted agent continued its previous slice');
  }
  t.true(tablesMatchTruth(c, 'ov'));
});

test('routes converge again after a 50/50 partition and repair', (t) => {
  const seed = seedFromEnv(604);
  t.log(`SEED=${seed}`);
  const c = settledCluster(seed, 40);
  const ids = c.ids();
  c.sim.partition(
    ids.slice(0, 20).map((id) => c.addrOf(id)),
    ids.slice(20).map((id) => c.addrOf(id)),
  );
  c.sim.run(60_000);
  t.true(
    c
      .node(0)
      .stores.routes.table('ov')
      .every((e) => Number(e.owner.slice(1)) < 20),
    'each side routes only its own half',
  );
  c.sim.repair();
  t.true(
    c.sim.runUntil(() => tablesMatchTruth(c, 'ov') && c.node(0).stores.routes.table('ov').length === 39, {
      timeoutMs: 60_000,
    }),
  );
});
