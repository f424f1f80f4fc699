import test, { type ExecutionContext } from 'ava';
import type { AddressInfo } from 'node:net';
import { createNode } from '@trellis/node';
import { routeStore } from '@trellis/routes';
import { taskStore } from '@trellis/tasks';
import { memoryLogger } from '@trellis/runtime';
import { Registry } from 'prom-client';
import { startHttpApi } from '../src/http-api.js';

async function api(t: ExecutionContext) {
  const node = await createNode({
    id: 'agent-a',
    bind: '127.0.0.1:0',
    keyring: null,
    stores: { routes: routeStore({ overlays: [] }), tasks: taskStore() },
  });
  const server = await startHttpApi({
    listen: '127.0.0.1:0',
    node,
    registry: new Registry(),
    logger: memoryLogger(),
    agentIp: '10.0.0.7',
  });
  t.teardown(async () => {
    await new Promise<void>((r) => server.close(() => r()));
    await node.close();
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(`${base}${path}`, {
      method,
      ...(body === undefined
        ? {}
        : {
            body: typeof body === 'string' ? body : JSON.stringify(body),
            headers: { 'content-type': type },
          }),
    });
    const text = await res.text();
    return { status: res.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
  };
  return { node, call };
}

test('a runtime hook registers, updates and removes tasks over HTTP', async (t) => {
  const { node, call } = await api(t);
  const put = await call('PUT', '/v1/tasks/web.1', {
    name: 'web',
    framework: 'marathon',
    networks: [{ name: 'dcos', ipv4: '9.0.1.2' }],
  });
  t.is(put.status, 201);
  t.deepEqual(put.body, {
    id: 'web.1',
    name: 'web',
    framework: 'marathon',
    agent: 'agent-a',
    agentIp: '10.0.0.7',
    networks: [{ name: 'dcos', ipv4: '9.0.1.2' }],
  });
  t.deepEqual(
    node.stores.tasks.local().map((e) => e.id),
    ['web.1'],
  );
  const again = await call('PUT', '/v1/tasks/web.1', {
    name: 'web',
    framework: 'marathon',
    agentIp: '10.0.0.8',
  });
  t.is(again.status, 200, 'an update');
  t.like(again.body, { agentIp: '10.0.0.8', networks: [] });
  // An id with a slash-free, URL-encoded odd character.
  t.is(
    (await call('PUT', `/v1/tasks/${encodeURIComponent('db:1 x')}`, { name: 'db', framework: 'f' })).status,
    201,
  );
  t.deepEqual(
    ((await call('GET', '/v1/tasks?local=true')).body as { id: string }[]).map((e) => e.id),
    ['db:1 x', 'web.1'],
  );
  await new Promise((r) => setTimeout(r, 150)); // the converged view is recomputed after 50 ms
  t.is(((await call('GET', '/v1/tasks')).body as unknown[]).length, 2);
  t.like(await call('GET', '/v1/tasks/web.1'), { status: 200, body: [{ id: 'web.1' }] });
  t.is((await call('DELETE', '/v1/tasks/web.1')).status, 204);
  t.is((await call('DELETE', '/v1/tasks/web.1')).status, 404);
  t.deepEqual(
    node.stores.tasks.local().map((e) => e.id),
    ['db:1 x'],
  );
});

test('bad registrations get a clear 4xx and change nothing', async (t) => {
  const { node, call } = await api(t);
  const bad = await call('PUT', '/v1/tasks/x', {
    name: '***',
    framework: '',
    networks: [{ name: 'dcos', ipv4: 'fd00::1' }],
  });
  t.is(bad.status, 400);
  const message = (bad.body as { error: string }).error;
  t.regex(message, /name "\*\*\*" has no letter/);
  t.regex(message, /framework must be/);
  t.regex(message, /networks\[0\]\.ipv4/);
  t.like(await call('PUT', '/v1/tasks/x', '{"name":'), {
    status: 400,
    body: { error: 'the body is not valid JSON' },
  });
  t.is((await call('PUT', '/v1/tasks/x', { name: 'a', framework: 'b' }, 'text/plain')).status, 415);
  t.like(await call('PUT', '/v1/tasks/x', { name: 'a', framework: 'b', color: 'red' }), {
    status: 400,
    body: { error: 'unknown field(s): color' },
  });
  t.is((await call('PUT', '/v1/tasks/x', [1, 2])).status, 400);
  t.like(await call('PUT', '/v1/tasks/x', { name: 'a'.repeat(70_000), framework: 'b' }), {
    status: 413,
    body: { error: 'the body may be at most 65536 bytes' },
  });
  t.is((await call('PUT', '/v1/tasks/x', { name: 'a'.repeat(2_000_000), framework: 'b' })).status, 413);
  t.is((await call('PUT', '/v1/tasks/%E0%A4%A', { name: 'a', framework: 'b' })).status, 400);
  t.is((await call('PUT', '/v1/tasks/a%2Fb', { name: 'a', framework: 'b' })).status, 400);
  t.is((await call('POST', '/v1/tasks/x', { name: 'a', framework: 'b' })).status, 405);
  t.is((await call('GET', '/v1/tasks/none')).status, 404);
  t.deepEqual(node.stores.tasks.local(), []);
  // The server still works after all that.
  t.is((await call('PUT', '/v1/tasks/x', { name: 'a', framework: 'b' })).status, 201);
});
