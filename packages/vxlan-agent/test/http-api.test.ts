import test from 'ava';
import { startApiHarness } from './fixtures/api-harness.js';
import { call } from './fixtures/http-client.js';

test('the API serves members, routes, overlays, status and Prometheus metrics, on TCP and the socket', async (t) => {
  const { node, reconciler, socket, tcp } = await startApiHarness(t);
  await reconciler.runOnce();
  node.stores.routes.publish('dcos', { underlayIp: '127.0.0.1' });
  for (const target of [tcp, socket]) {
    const members = (await call(target, 'GET', '/v1/members')).body as { id: string; status: string }[];
    t.like(members[0], { id: 'agent-a', status: 'alive' });
    t.deepEqual((await call(target, 'GET', '/v1/routes')).body, { dcos: [] });
    const overlays = (await call(target, 'GET', '/v1/overlays')).body as unknown[];
    t.like(overlays[0], { name: 'dcos', vni: 1024, local: { state: 'claimed' } });
    const status = await call(target, 'GET', '/v1/status');
    t.like(status.body, {
      node: 'agent-a',
      members: { alive: 1, suspect: 0, dead: 0, left: 0 },
      overlays: [{ name: 'dcos', routes: 0, state: 'claimed' }],
      tasks: { visible: 0, local: 0 },
      kernel: { inSync: true, passes: 1, errors: 0, lastError: null },
    });
    const metrics = (await call(target, 'GET', '/metrics')).text;
    t.regex(metrics, /trellis_members\{status="alive"\} 1/);
    t.regex(metrics, /trellis_reconcile_passes_total 1/);
    t.regex(metrics, /trellis_routes\{overlay="dcos"\} 0/);
    t.regex(metrics, /trellis_http_requests_total\{listener="(tcp|socket)"\} \d+/);
    t.is((await call(target, 'GET', '/nope')).status, 404);
    const post = await call(target, 'POST', '/v1/members', {
      headers: { authorization: 'Bearer test-token-0123456789abcdef' },
    });
    t.is(post.status, 405);
    t.is(post.headers.allow, 'GET, HEAD');
  }
});

test('HEAD answers like GET, with the length and without the body', async (t) => {
  const { tcp } = await startApiHarness(t);
  const get = await call(tcp, 'GET', '/v1/members');
  const head = await call(tcp, 'HEAD', '/v1/members');
  t.is(head.status, 200);
  t.is(head.text, '');
  t.is(head.headers['content-type'], 'application/json');
  t.is(head.headers['content-length'], String(Buffer.byteLength(get.text)));
  t.is((await call(tcp, 'HEAD', '/nope')).status, 404);
});
