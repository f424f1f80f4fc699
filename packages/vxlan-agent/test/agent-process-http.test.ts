import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { agentToken, apiPort, getStatus, startAgentProcess } from './fixtures/agent-process.js';
import { call } from './fixtures/http-client.js';
import { isRoot } from './fixtures/netns.js';

/**
 * The HTTP API of the real daemon, attacked as a local user would: each agent runs alone in a
 * network namespace of its own (root, as CI runs), the clients inside it or on its socket.
 */
const rootTest = isRoot ? test.serial : test.skip;
if (!isRoot) console.log('agent-process-http: skipped: it needs root to create network namespaces');
const run = promisify(execFile);
const fuzzCount = process.env['TRELLIS_EXTENSIVE'] === '1' ? 5000 : 400;
const seed = process.env['SEED'] === undefined ? 1313 : Number.parseInt(process.env['SEED'], 10);

rootTest('the five request lines that killed the agent get 400, and it keeps answering', async (t) => {
  const agent = await startAgentProcess(t);
  const { statuses } = await agent.client<{ statuses: number[] }>({ op: 'crash', port: apiPort });
  t.deepEqual(statuses, [400, 400, 400, 400, 400]);
  t.false(agent.exited(), agent.output());
  t.is(await getStatus(agent), 200);
  // The start line says what protects this agent (its config: plaintext, "identity": "none").
  t.regex(agent.output(), /"identity":"none".*"keyring":"plaintext".*trellis-agent started/);
});

rootTest(
  'a seeded fuzz of request lines and headers: no crash, no 500, the agent still answers',
  async (t) => {
    t.timeout(120_000);
    const agent = await startAgentProcess(t);
    const { statuses } = await agent.client<{ statuses: Record<string, number> }>(
      { op: 'fuzz', port: apiPort, seed, count: fuzzCount },
      110_000,
    );
    t.log(`SEED=${seed}: ${fuzzCount} requests, answers by status: ${JSON.stringify(statuses)}`);
    t.false(agent.exited(), agent.output());
    t.is(statuses['500'], undefined, 'no request made a handler fail');
    t.true((statuses['400'] ?? 0) > 0, 'the fuzz reached the parser');
    t.is(await getStatus(agent), 200);
    t.is((await call({ socketPath: agent.socketPath }, 'GET', '/v1/members')).status, 200);
  },
);

rootTest(
  '2,000 idle connections under a 1,024-descriptor limit: legitimate clients are still served',
  async (t) => {
    t.timeout(120_000);
    const agent = await startAgentProcess(t, { fdLimit: 1024 });
    const flood = agent.startClient({ op: 'flood', port: apiPort, count: 2000, holdMs: 60_000 });
    const ready = await flood.next<{ ready: boolean; connected: number; failed: number }>();
    t.log(`flood: ${ready.connected} connected, ${ready.failed} failed`);
    t.true(ready.connected + ready.failed === 2000);
    const started = Date.now();
    for (let i = 0; i < 5; i++) {
      t.is(await getStatus(agent), 200, `TCP request ${i}`);
      t.is(
        (await call({ socketPath: agent.socketPath }, 'GET', '/v1/status')).status,
        200,
        `socket request ${i}`,
      );
    }
    t.log(`10 requests served in ${Date.now() - started} ms while the flood held its connections`);
    flood.child.kill('SIGKILL');
    t.false(agent.exited(), agent.output());
    const metrics = (await call({ socketPath: agent.socketPath }, 'GET', '/metrics')).text;
    const open = Number(/trellis_http_connections\{listener="tcp"\} (\d+)/.exec(metrics)?.[1]);
    t.true(open <= 128, `open TCP API connections ${open} stay within the cap`);
  },
);

rootTest(
  'writes over TCP need the token; the socket needs none; other users are refused by its mode',
  async (t) => {
    const agent = await startAgentProcess(t);
    const tcp = (method: string, path: string, extra: object = {}) =>
      agent.client<{ status: number; body: unknown; headers: Record<string, string> }>({
        op: 'call',
        port: apiPort,
        method,
        path,
        ...extra,
      });
    const task = { name: 'web', framework: 'marathon', networks: [{ name: 'dcos', ipv4: '9.0.1.2' }] };
    const none = await tcp('PUT', '/v1/tasks/web.1', { body: task });
    t.is(none.status, 401);
    t.is(none.headers['www-authenticate'], 'Bearer realm="trellis-agent"');
    const wrong = { authorization: 'Bearer wrong-token-0123456789' };
    t.is((await tcp('PUT', '/v1/tasks/web.1', { body: task, headers: wrong })).status, 403);
    t.deepEqual((await tcp('GET', '/v1/tasks')).body, [], 'nothing was registered');
    const right = { authorization: `Bearer ${agentToken}` };
    t.is((await tcp('PUT', '/v1/tasks/web.1', { body: task, headers: right })).status, 201);
    t.is((await tcp('DELETE', '/v1/tasks/web.1')).status, 401);
    t.is((await tcp('DELETE', '/v1/tasks/web.1', { headers: wrong })).status, 403);
    t.is((await tcp('GET', '/v1/tasks/web.1')).status, 200, 'reads need no token; the task is still there');
    // The socket: file permissions decide, and root may.
    const socket = { socketPath: agent.socketPath };
    t.is((await call(socket, 'PUT', '/v1/tasks/db.1', { body: { name: 'db', framework: 'f' } })).status, 201);
    t.like(
      (await call(socket, 'GET', '/v1/tasks/db.1')).body,
      [{ id: 'db.1', agent: 'solo' }],
      'readable at once',
    );
    const asNobody = await run(
      process.execPath,
      [
        '-e',
        `require('node:http').get({ socketPath: ${JSON.stringify(agent.socketPath)}, path: '/v1/members' }, (r) => console.log(r.statusCode)).on('error', (e) => console.log(e.code))`,
      ],
      { uid: 65534, gid: 65534, timeout: 10_000 },
    );
    t.is(asNobody.stdout.trim(), 'EACCES', 'uid nobody cannot connect to the 0660 root:root socket');
  },
);

rootTest(
  'Host must name the listener, HEAD works, jsonx is not JSON, tasks name configured overlays',
  async (t) => {
    const agent = await startAgentProcess(t);
    const tcp = (method: string, path: string, extra: object = {}) =>
      agent.client<{ status: number; body: unknown; headers: Record<string, string> }>({
        op: 'call',
        port: apiPort,
        method,
        path,
        ...extra,
      });
    t.is((await tcp('GET', '/v1/members', { headers: { host: 'rebound.example:8124' } })).status, 421);
    t.is((await tcp('GET', '/v1/members', { headers: { host: `localhost:${apiPort}` } })).status, 200);
    const head = await tcp('HEAD', '/v1/members');
    t.is(head.status, 200);
    t.true(Number(head.headers['content-length']) > 0);
    const socket = { socketPath: agent.socketPath };
    const body = { name: 'web', framework: 'marathon' };
    t.is((await call(socket, 'PUT', '/v1/tasks/a', { body, type: 'application/jsonx' })).status, 415);
    const foreign = await call(socket, 'PUT', '/v1/tasks/a', {
      body: { ...body, networks: [{ name: 'blue' }] },
    });
    t.is(foreign.status, 400);
    t.is((await call(socket, 'GET', '/v1/tasks/a')).status, 404);
  },
);
