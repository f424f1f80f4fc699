import test from 'ava';
import { seedFromEnv } from '@trellis/sim';
import { parseOverlays } from '@trellis/routes';
import { SimCluster, routeEvent } from './helpers/sim-cluster.js';
import { doubleUsedSlices, ownRoutes, ov16, publisher, tablesMatchTruth } from './helpers/routes-fixtures.js';

test('200 agents booting at once on a /16 never use one /24 slice twice, and all converge', (t) => {
  const seed = seedFromEnv(400);
  t.log(`SEED=${seed}`);
  const c = new SimCluster({ seed, nodes: 200, overlays: ov16, onStart: publisher('ov') });
  let checks = 0;
  const ok = c.sim.runUntil(
    () => {
      checks++;
      const doubles = doubleUsedSlices(c, 'ov');
      if (doubles.length > 0) throw new Error(`SEED=${seed}: slices ${doubles.join(',')} used twice`);
      return ownRoutes(c, 'ov').size === 200 && tablesMatchTruth(c, 'ov');
    },
    { timeoutMs: 60_000, checkEveryMs: 250 },
  );
  t.true(ok, 'every agent settled and every table equals the ground truth');
  t.log(`converged after ${c.sim.now - 1_700_000_000_000} ms virtual, ${checks} checks`);
  const lost = c.running().reduce((n, node) => n + node.stores.routes.stats().conflictsLost, 0);
  t.log(`claims lost to an earlier one: ${lost}`);
  t.is(new Set([...ownRoutes(c, 'ov').values()].map((r) => r.slice)).size, 200);
});

test('300 agents on one /16: exactly 256 hold a slice and 44 get the exhaustion error', (t) => {
  const seed = seedFromEnv(401);
  t.log(`SEED=${seed}`);
  const thrown = new Set<string>();
  const c = new SimCluster({ seed, nodes: 300, overlays: ov16, onStart: publisher('ov', thrown) });
  const ok = c.sim.runUntil(
    () => {
      if (doubleUsedSlices(c, 'ov').length > 0) throw new Error(`SEED=${seed}: a slice is used twice`);
      return ownRoutes(c, 'ov').size === 256 && tablesMatchTruth(c, 'ov');
    },
    { timeoutMs: 60_000, checkEveryMs: 500 },
  );
  t.true(ok);
  c.sim.run(5000);
  const states = c.running().map((n) => n.stores.routes.local('ov')?.state ?? 'none');
  t.is(states.filter((s) => s === 'settled').length, 256);
  const without = c.running().filter((n) => n.stores.routes.local('ov')?.state !== 'settled');
  t.is(without.length, 44);
  // Each of the 44 was told why: an event (or the error from publish) naming the overlay.
  for (const n of without) {
    const told =
      thrown.has(n.id) ||
      c.events.some(
        (e) =>
          e.node === n.id &&
          routeEvent(e)?.type === 'slicesExhausted' &&
          /overlay ov: all 256/.test((routeEvent(e) as { message: string }).message),
      );
    t.true(told, n.id);
    t.true(n.stores.routes.stats().exhausted > 0 || thrown.has(n.id));
  }
});

test('a dead agent\u2019s slice is reused only after the reclaim time', (t) => {
  const seed = seedFromEnv(402);
  t.log(`SEED=${seed}`);
  const reclaimMs = 60_000;
  // A /22 in /24 slices: four slices for four agents, so a fifth must wait for a dead one's.
  const tiny = parseOverlays([
    { name: 'tiny', subnet: '10.9.0.0/22', prefixLength: 24, vtepSubnet: '44.129.0.0/24' },
  ]);
  const c = new SimCluster({
    seed,
    nodes: 4,
    overlays: tiny,
    routes: { reclaimMs, graceMs: 10_000 },
    onStart: publisher('tiny'),
  });
  t.true(
    c.sim.runUntil(() => ownRoutes(c, 'tiny').size === 4 && tablesMatchTruth(c, 'tiny'), {
      timeoutMs: 30_000,
    }),
  );
  const deadSlice = c.node(3).stores.routes.local('tiny')!.route!.slice;
  c.crash(3);
  t.true(c.sim.runUntil(() => c.allSeeDead('n3'), { timeoutMs: 60_000 }));
  const diedAt = c.sim.now;
  // Routes of the dead agent leave the tables after the grace period, but its slice stays taken.
  t.true(
    c.sim.runUntil(
      () => c.running().every((n) => n.stores.routes.table('tiny').every((e) => e.owner !== 'n3')),
      {
        timeoutMs: 20_000,
      },
    ),
  );
  c.addNode(4, true); // publishes on start, like the others
  const n4 = () => c.node(4);
  c.sim.run(reclaimMs - (c.sim.now - diedAt) - 5000);
  t.not(n4().stores.routes.local('tiny')?.state, 'settled', 'no slice before the reclaim time');
  t.true(c.sim.runUntil(() => n4().stores.routes.local('tiny')?.state === 'settled', { timeoutMs: 30_000 }));
  t.true(c.sim.now - diedAt >= reclaimMs, `claimed ${c.sim.now - diedAt} ms after the death`);
  t.is(n4().stores.routes.local('tiny')?.route?.slice, deadSlice);
  t.true(
    c.events.some((e) => e.node === 'n4' && routeEvent(e)?.type === 'slicesExhausted'),
    'told it had to wait',
  );
});
