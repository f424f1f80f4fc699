import test from 'ava';
import { execFile } from 'node:child_process';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { memoryLogger } from '@trellis/runtime';
import { Registry } from 'prom-client';
import { defaultHttpConfig } from '../src/config/http-config.js';
import { nodeApiSource } from '../src/http/api-source.js';
import { startHttpApi } from '../src/http/http-api.js';
import { HttpListenError } from '../src/http/listeners.js';
import { agentNode } from './fixtures/agent-node.js';
import { startApiHarness, testToken } from './fixtures/api-harness.js';
import { call, raw, statusOf } from './fixtures/http-client.js';

const run = promisify(execFile);
const isRoot = process.getuid?.() === 0;
const task = { name: 'web', framework: 'marathon' };

test('TCP writes need the bearer token: 401 without, 403 with a wrong one; reads need none', async (t) => {
  const { node, tcp } = await startApiHarness(t);
  const none = await call(tcp, 'PUT', '/v1/tasks/a', { body: task });
  t.is(none.status, 401);
  t.is(none.headers['www-authenticate'], 'Bearer realm="trellis-agent"');
  for (const authorization of [
    'Bearer nope-nope-nope-nope',
    `Basic ${testToken}`,
    `Bearer ${testToken}x`,
    'Bearer',
  ])
    t.is(
      (await call(tcp, 'PUT', '/v1/tasks/a', { body: task, headers: { authorization } })).status,
      403,
      authorization,
    );
  t.is((await call(tcp, 'DELETE', '/v1/tasks/a')).status, 401);
  t.deepEqual(node.stores.tasks.local(), []);
  t.is(
    (await call(tcp, 'PUT', '/v1/tasks/a', { body: task, headers: { authorization: `bearer ${testToken}` } }))
      .status,
    201,
  );
  t.is((await call(tcp, 'GET', '/v1/tasks/a')).status, 200);
  t.is(
    (await call(tcp, 'DELETE', '/v1/tasks/a', { headers: { authorization: `Bearer ${testToken}` } })).status,
    204,
  );
});

test('without a token file, TCP takes no writes at all', async (t) => {
  const { tcp, socket } = await startApiHarness(t, { token: null });
  t.is((await call(tcp, 'PUT', '/v1/tasks/a', { body: task })).status, 401);
  t.is(
    (await call(tcp, 'PUT', '/v1/tasks/a', { body: task, headers: { authorization: `Bearer ${testToken}` } }))
      .status,
    403,
  );
  t.is((await call(socket, 'PUT', '/v1/tasks/a', { body: task })).status, 201, 'the socket still does');
});

test('the Host header must name the listener: DNS rebinding gets 421', async (t) => {
  const { api, tcp } = await startApiHarness(t);
  const port = tcp.port!;
  t.is((await call(tcp, 'GET', '/v1/members', { headers: { host: `localhost:${port}` } })).status, 200);
  t.is((await call(tcp, 'GET', '/v1/members', { headers: { host: `LOCALHOST:${port}` } })).status, 200);
  t.is((await call(tcp, 'GET', '/v1/members', { headers: { host: `rebound.example:${port}` } })).status, 421);
  t.is((await call(tcp, 'GET', '/v1/members', { headers: { host: `127.0.0.1:${port + 1}` } })).status, 421);
  t.is((await call(tcp, 'GET', '/v1/members', { headers: { host: '127.0.0.1' } })).status, 421);
  const absolute = `GET http://rebound.example:${port}/v1/members HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;
  t.is(statusOf(await raw(port, absolute)), 421, 'the authority of an absolute-form target counts too');
  const ok = `GET http://127.0.0.1:${port}/v1/members HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`;
  t.is(statusOf(await raw(port, ok)), 200);
  t.is(statusOf(await raw(port, `GET /v1/members HTTP/1.0\r\n\r\n`)), 400, 'no Host at all');
  t.true((api.stats.rejected['wrongHost'] ?? 0) >= 4);
  // The socket does not check Host: browsers cannot reach it.
  t.is(
    (await call({ socketPath: api.socketPath }, 'GET', '/v1/members', { headers: { host: 'whatever' } }))
      .status,
    200,
  );
});

test('the socket is created with its mode and group, replaces a stale one, refuses a live one', async (t) => {
  const { api, dir } = await startApiHarness(t, { socketGid: 65534 });
  const st = statSync(api.socketPath);
  t.true(st.isSocket());
  t.is(st.mode & 0o777, 0o660);
  if (isRoot) t.is(st.gid, 65534);
  const node = await agentNode('b');
  t.teardown(() => node.close());
  const start = (socket: string) =>
    startHttpApi({
      http: { ...defaultHttpConfig, socket },
      token: undefined,
      socketGid: undefined,
      source: nodeApiSource(node, new Registry()),
      agentIp: undefined,
      logger: memoryLogger(),
    });
  await t.throwsAsync(start(api.socketPath), {
    instanceOf: HttpListenError,
    code: 'ERR_TRELLIS_HTTP_SOCKET_IN_USE',
  });
  const plain = join(dir, 'plain');
  writeFileSync(plain, 'not a socket');
  await t.throwsAsync(start(plain), { instanceOf: HttpListenError, code: 'ERR_TRELLIS_HTTP_SOCKET_PATH' });
  // A socket nobody listens on any more, as a crashed agent leaves it (a clean close removes it).
  const stale = join(dir, 'stale.sock');
  await run(process.execPath, [
    '-e',
    `require('node:net').createServer().listen(${JSON.stringify(stale)}, () => process.kill(process.pid, 'SIGKILL'))`,
  ]).catch(() => undefined);
  t.true(statSync(stale).isSocket());
  const again = await start(stale);
  t.is((await call({ socketPath: stale }, 'GET', '/v1/members')).status, 200);
  await again.close();
  t.throws(() => statSync(stale), { code: 'ENOENT' }, 'removed on close');
});

const rootTest = isRoot ? test : test.skip;

rootTest('a user outside the socket group is refused by its mode; a member gets in', async (t) => {
  const probe = (socketPath: string) =>
    run(
      process.execPath,
      [
        '-e',
        `require('node:http').get({ socketPath: ${JSON.stringify(socketPath)}, path: '/v1/members' }, (r) => console.log(r.statusCode)).on('error', (e) => console.log(e.code))`,
      ],
      { uid: 65534, gid: 65534, timeout: 10_000 },
    ).then((r) => r.stdout.trim());
  const rootOnly = await startApiHarness(t);
  t.is(await probe(rootOnly.api.socketPath), 'EACCES', 'mode 0660, group root: nobody is refused');
  const shared = await startApiHarness(t, { socketGid: 65534 });
  t.is(await probe(shared.api.socketPath), '200', 'group nogroup: its member is served');
});
