import test from 'ava';
import { startApiHarness } from './fixtures/api-harness.js';
import { call } from './fixtures/http-client.js';

test('a runtime hook registers, updates and removes tasks over the socket', async (t) => {
  const { node, socket } = await startApiHarness(t);
  const put = await call(socket, 'PUT', '/v1/tasks/web.1', {
    body: { name: 'web', framework: 'marathon', networks: [{ name: 'dcos', ipv4: '9.0.1.2' }] },
  });
  t.is(put.status, 201);
  const entry = {
    id: 'web.1',
    name: 'web',
    framework: 'marathon',
    agent: 'agent-a',
    agentIp: '10.0.0.7',
    networks: [{ name: 'dcos', ipv4: '9.0.1.2' }],
  };
  t.deepEqual(put.body, entry);
  // At once, not after the converged view's recompute: the hook may read back what it wrote.
  t.deepEqual((await call(socket, 'GET', '/v1/tasks/web.1')).body, [entry]);
  t.deepEqual((await call(socket, 'GET', '/v1/tasks')).body, [entry]);
  t.deepEqual(
    node.stores.tasks.local().map((e) => e.id),
    ['web.1'],
  );
  const again = await call(socket, 'PUT', '/v1/tasks/web.1', {
    body: { name: 'web', framework: 'marathon', agentIp: '10.0.0.8' },
  });
  t.is(again.status, 200, 'an update');
  t.like(again.body, { agentIp: '10.0.0.8', networks: [] });
  t.like((await call(socket, 'GET', '/v1/tasks/web.1')).body, [{ agentIp: '10.0.0.8' }]);
  // An id with a slash-free, URL-encoded odd character.
  const odd = `/v1/tasks/${encodeURIComponent('db:1 x')}`;
  t.is((await call(socket, 'PUT', odd, { body: { name: 'db', framework: 'f' } })).status, 201);
  t.deepEqual(
    ((await call(socket, 'GET', '/v1/tasks?local=true')).body as { id: string }[]).map((e) => e.id),
    ['db:1 x', 'web.1'],
  );
  await new Promise((r) => setTimeout(r, 150)); // the converged view is recomputed after 50 ms
  t.is(((await call(socket, 'GET', '/v1/tasks')).body as unknown[]).length, 2);
  t.is((await call(socket, 'DELETE', '/v1/tasks/web.1')).status, 204);
  t.is((await call(socket, 'GET', '/v1/tasks/web.1')).status, 404, 'gone at once');
  t.is((await call(socket, 'DELETE', '/v1/tasks/web.1')).status, 404);
  t.deepEqual(
    node.stores.tasks.local().map((e) => e.id),
    ['db:1 x'],
  );
});

test('bad registrations get a clear 4xx and change nothing', async (t) => {
  const { node, socket } = await startApiHarness(t);
  const put = (body: unknown, type?: string, path = '/v1/tasks/x') =>
    call(socket, 'PUT', path, { body, ...(type === undefined ? {} : { type }) });
  const bad = await put({ name: '***', framework: '', networks: [{ name: 'dcos', ipv4: 'fd00::1' }] });
  t.is(bad.status, 400);
  const message = (bad.body as { error: string }).error;
  t.regex(message, /name "\*\*\*" has no letter/);
  t.regex(message, /framework must be/);
  t.regex(message, /networks\[0\]\.ipv4/);
  for (const id of ['web%00', 'web%0a1']) {
    const r = await put({ name: 'web', framework: 'f' }, undefined, `/v1/tasks/${id}`);
    t.is(r.status, 400, id);
    t.regex((r.body as { error: string }).error, /control characters/);
  }
  t.like(await put('{"name":'), { status: 400, body: { error: 'the body is not valid JSON' } });
  t.is((await put({ name: 'a', framework: 'b' }, 'text/plain')).status, 415);
  t.is((await put({ name: 'a', framework: 'b' }, 'application/jsonx')).status, 415, 'jsonx is not JSON');
  t.is((await put({ name: 'a', framework: 'b' }, 'application/json-patch+json')).status, 415);
  t.is((await put({ name: 'a', framework: 'b' }, 'Application/JSON; charset=utf-8')).status, 201);
  t.is((await call(socket, 'DELETE', '/v1/tasks/x')).status, 204);
  t.like(await put({ name: 'a', framework: 'b', color: 'red' }), {
    status: 400,
    body: { error: 'unknown field(s): color' },
  });
  const foreign = await put({
    name: 'a',
    framework: 'b',
    networks: [{ name: 'dcos' }, { name: 'blue', ipv4: '9.0.0.9' }],
  });
  t.is(foreign.status, 400, 'a network that is not a configured overlay');
  t.regex(
    (foreign.body as { error: string }).error,
    /networks\[1\]\.name "blue": not an overlay of this agent \(dcos\)/,
  );
  t.is((await put([1, 2])).status, 400);
  t.like(await put({ name: 'a'.repeat(70_000), framework: 'b' }), {
    status: 413,
    body: { error: 'the body may be at most 65536 bytes' },
  });
  t.is((await put({ name: 'a'.repeat(2_000_000), framework: 'b' })).status, 413);
  t.is((await put({ name: 'a', framework: 'b' }, undefined, '/v1/tasks/%E0%A4%A')).status, 400);
  t.is((await put({ name: 'a', framework: 'b' }, undefined, '/v1/tasks/a%2Fb')).status, 400);
  t.is((await call(socket, 'POST', '/v1/tasks/x', { body: { name: 'a', framework: 'b' } })).status, 405);
  t.is((await call(socket, 'GET', '/v1/tasks/none')).status, 404);
  t.deepEqual(node.stores.tasks.local(), []);
  // The server still works after all that.
  t.is((await put({ name: 'a', framework: 'b' })).status, 201);
});

test('a registration nested thousands of levels deep gets 400, not a failed handler', async (t) => {
  const { node, socket, api } = await startApiHarness(t);
  const deep = `${'['.repeat(30_000)}${']'.repeat(30_000)}`;
  for (const body of [
    `{"name":"web","framework":"m","agentIp":${deep}}`,
    `{"name":"web","framework":"m","networks":[{"name":"dcos","ipv4":${deep}}]}`,
  ]) {
    const answer = await call(socket, 'PUT', '/v1/tasks/x', { body });
    t.is(answer.status, 400, answer.text);
    t.regex((answer.body as { error: string }).error, /nested deeper than 32 levels/);
  }
  t.deepEqual(node.stores.tasks.local(), []);
  t.is(api.stats.rejected['badJson'], 2);
  // Registrations nest four levels deep at most.
  const ok = { name: 'web', framework: 'm', networks: [{ name: 'dcos', ipv4: '9.0.1.2' }] };
  t.is((await call(socket, 'PUT', '/v1/tasks/x', { body: ok })).status, 201);
});
