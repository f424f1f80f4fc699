import test from 'ava';
import type { AddressInfo } from 'node:net';
import { createNode } from '@trellis/node';
import { routeStore } from '@trellis/routes';
import { taskStore } from '@trellis/tasks';
import { memoryLogger } from '@trellis/runtime';
import { startHttpApi } from '../src/http-api.js';
import { createMetrics } from '../src/metrics.js';
import { plan } from '../src/planner/plan.js';
import { Reconciler } from '../src/reconciler.js';

test('the local HTTP API serves members, routes, overlays and Prometheus metrics', async (t) => {
  const node = await createNode({
    id: 'api',
    bind: '127.0.0.1:0',
    keyring: null,
    stores: { routes: routeStore({ overlays: [{ name: 'dcos', subnet: '9.0.0.0/8' }] }), tasks: taskStore() },
  });
  const empty = { vteps: [], bridges: [], neighbors: [], fdb: [], routes: [] };
  const reconciler = new Reconciler({
    executor: {
      needsResync: false,
      observe: () => Promise.resolve(empty),
      apply: () => Promise.resolve({ errors: [] }),
    },
    plan,
    intervalMs: 60_000,
    desired: () => ({ state: empty, warm: true }),
  });
  await reconciler.runOnce();
  node.stores.routes.publish('dcos', { underlayIp: '127.0.0.1' });
  const server = await startHttpApi({
    listen: '127.0.0.1:0',
    node,
    registry: createMetrics(node, reconciler),
    logger: memoryLogger(),
  });
  t.teardown(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await reconciler.stop();
    await node.close();
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const members = (await (await fetch(`${base}/v1/members`)).json()) as { id: string; status: string }[];
  t.like(members[0], { id: 'api', status: 'alive' });
  t.deepEqual(await (await fetch(`${base}/v1/routes`)).json(), { dcos: [] });
  const overlays = (await (await fetch(`${base}/v1/overlays`)).json()) as {
    name: string;
    vni: number;
    local: { state: string };
  }[];
  t.like(overlays[0], { name: 'dcos', vni: 1024, local: { state: 'claimed' } });
  const metrics = await (await fetch(`${base}/metrics`)).text();
  t.regex(metrics, /trellis_members\{status="alive"\} 1/);
  t.regex(metrics, /trellis_reconcile_passes_total 1/);
  t.regex(metrics, /trellis_routes\{overlay="dcos"\} 0/);
  t.is((await fetch(`${base}/nope`)).status, 404);
  t.is((await fetch(`${base}/v1/members`, { method: 'POST' })).status, 405);
});
