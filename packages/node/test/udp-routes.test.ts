import test from 'ava';
import { routeStore, type RoutesApi, type RoutesChanged } from '@trellis/routes';
import { createNode } from '../src/index.js';
import type { GossipNode } from '../src/gossip-node.js';
import { until } from './helpers/until.js';

const overlays = [{ name: 'dcos', subnet: '9.0.0.0/8', prefixLength: 24 }];
// Every node on this host's loopback: their underlays are too.
const routes = routeStore({ overlays, config: { settleMs: 300, loopbackUnderlay: true } });

test('three nodes on loopback publish routes and see each other\u2019s in their converged tables', async (t) => {
  const nodes: GossipNode<{ routes: RoutesApi }>[] = [];
  t.teardown(() => Promise.all(nodes.map((n) => n.close())));
  const opts = { keyring: null, profile: 'local' as const, stores: { routes } };
  nodes.push(await createNode({ id: 'a', bind: '127.0.0.1:0', ...opts }));
  for (const id of ['b', 'c'])
    nodes.push(await createNode({ id, bind: '127.0.0.1:0', seeds: [nodes[0]!.address], ...opts }));
  const changes: RoutesChanged[] = [];
  const unsubscribe = nodes[0]!.stores.routes.subscribe('dcos', (e) => changes.push(e));
  nodes.forEach((n, i) => n.stores.routes.publish('dcos', { underlayIp: `127.0.0.${i + 1}` }));
  t.true(await until(() => nodes.every((n) => n.stores.routes.table('dcos').length === 2), 15_000));
  const slices = nodes.map((n) => n.stores.routes.local('dcos')?.route?.slice);
  t.is(new Set(slices).size, 3, 'three distinct slices');
  const a = nodes[0]!.stores.routes.table('dcos');
  t.deepEqual(
    a.map((e) => e.owner),
    ['b', 'c'],
  );
  t.like(a[0], { underlayIp: '127.0.0.2', vtepMac: nodes[1]!.stores.routes.local('dcos')!.route!.vtepMac });
  t.is(changes.flatMap((e) => e.added).length, 2);
  // b leaves: withdrawn from a's table at once.
  await nodes[1]!.leave();
  t.true(await until(() => nodes[0]!.stores.routes.table('dcos').every((e) => e.owner !== 'b'), 5000));
  unsubscribe();
  t.true(changes.some((e) => e.removed.some((r) => r.owner === 'b')));
});
