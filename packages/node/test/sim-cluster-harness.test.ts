import test from 'ava';
import { SimCluster } from '@trellis/node/sim';
import { parseOverlays, routeStore } from '@trellis/routes';

test('addresses are distinct across the 250- and 62,500-node boundaries', (t) => {
  const idx = [0, 1, 249, 250, 251, 62_249, 62_250, 62_499, 62_500, 62_501, 124_999, 125_000];
  const addrs = idx.map((i) => SimCluster.addr(i));
  t.is(new Set(addrs).size, idx.length);
  t.is(SimCluster.addr(0), '10.0.0.1:7946');
  t.is(SimCluster.addr(250), '10.0.1.1:7946');
  t.is(SimCluster.addr(62_500), '10.1.0.1:7946');
  t.is(SimCluster.id(7), 'n7');
});

test('a restarted node comes back above its previous incarnation and is alive everywhere', (t) => {
  const c = new SimCluster({ seed: 3, recordEvents: true });
  c.add(0);
  for (let i = 1; i < 6; i++) c.add(i, [SimCluster.addr(0)]);
  t.true(c.sim.runUntil(() => c.allSeeAlive(c.ids()), { timeoutMs: 10_000 }));
  const before = c.node(2).member('n2')!.incarnation;
  c.crash(2);
  t.deepEqual(
    c.running().map((n) => n.id),
    ['n0', 'n1', 'n3', 'n4', 'n5'],
  );
  t.true(c.sim.runUntil(() => c.allSeeDead('n2'), { timeoutMs: 60_000 }));
  c.restart(2);
  t.true(c.sim.runUntil(() => c.allSeeAlive(c.ids()), { timeoutMs: 30_000 }));
  t.true(c.node(0).member('n2')!.incarnation > before);
  t.truthy(c.firstEvent((e) => e.node === 'n0' && e.event.type === 'memberDied'));
});

test('seedMembers: every node holds every member at once, without a message sent', (t) => {
  const c = new SimCluster({
    seed: 4,
    stores: { routes: routeStore({ overlays: parseOverlays([{ name: 'ov', subnet: '10.200.0.0/16' }]) }) },
  });
  c.seedMembers(40);
  t.is(c.sim.stats().datagramsSent, 0);
  t.is(
    SimCluster.fraction(c.running(), (n) => n.liveMembers().length === 40),
    1,
  );
  t.deepEqual(c.events, [], 'events are not recorded unless asked');
  t.deepEqual(c.node(5).stores.routes.table('ov'), [], 'each node got its own store');
});

test('seedMembers: seeded members are confirmed, so a seeded cluster sends no verification pings', (t) => {
  const c = new SimCluster({ seed: 5 });
  c.seedMembers(40);
  c.sim.run(5_000);
  const pings = c.running().reduce((sum, n) => sum + n.core.swim.stats().unconfirmedPings, 0);
  t.is(pings, 0, 'every seeded record came from its member, as its own gossip would');
});
