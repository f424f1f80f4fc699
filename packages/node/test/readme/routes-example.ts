import { createNode } from '@trellis/node';
import { routeStore } from '@trellis/routes';

// Validated here, once, for every node that uses it.
const routes = routeStore({ overlays: [{ name: 'dcos', subnet: '9.0.0.0/8' }], config: { settleMs: 300 } });
const a = await createNode({
  id: 'a',
  bind: '127.0.0.1:0',
  keyring: null,
  profile: 'local',
  stores: { routes },
});
const b = await createNode({
  id: 'b',
  bind: '127.0.0.1:0',
  keyring: null,
  profile: 'local',
  seeds: [a.address],
  stores: { routes },
});

const seen = new Promise<void>((resolve) =>
  b.stores.routes.subscribe('dcos', (e) => {
    for (const r of e.added) console.log('route to', r.owner, 'via', r.underlayIp);
    if (e.added.length > 0) resolve();
  }),
);
a.stores.routes.publish('dcos', { underlayIp: '192.168.0.10' });
b.stores.routes.publish('dcos', { underlayIp: '192.168.0.11' }); // 'pending' until b has joined
await seen;
const settled = (n: typeof a) => n.stores.routes.local('dcos')?.state === 'settled';
while (!settled(a) || !settled(b)) await new Promise((resolve) => setTimeout(resolve, 20));
console.log(
  'b routes to',
  b.stores.routes.table('dcos').map((r) => r.owner),
); // the others, not itself
console.log('a holds a /24:', a.stores.routes.local('dcos')?.route?.agentSubnet?.endsWith('/24'));

await Promise.all([a.leave(), b.leave()]);
await Promise.all([a.close(), b.close()]);
