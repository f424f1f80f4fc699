import test from 'ava';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { allocationFileName } from '../src/cni/allocation-file.js';
import { cniAgent, env, execPlugin, netConfig, settled, tempDir } from './fixtures/cni-agent.js';
import { call } from './fixtures/http-client.js';

// The CNI API and the agent at their edges: hostile input, CNI off, slow writes, a missing stateDir.

test('hostile input on the CNI API is a 4xx that says what is wrong, and the agent keeps serving', async (t) => {
  const dir = tempDir(t);
  const { agent, socket } = await cniAgent(dir);
  t.teardown(() => agent.stop());
  await settled(agent);
  const api = { socketPath: socket };
  const post = (body: unknown, type?: string) =>
    call(api, 'POST', '/v1/cni/allocations', { body, ...(type === undefined ? {} : { type }) });
  const ok = { network: 'dcos', containerId: 'c1', ifname: 'eth0' };
  const cases: [unknown, number, RegExp][] = [
    ['[1,2', 400, /not valid JSON/],
    [[ok], 400, /JSON object/],
    [{ ...ok, network: 'other' }, 400, /network must be one of this agent's overlays \(dcos\)/],
    [{ ...ok, containerId: '../../etc' }, 400, /containerId/],
    [{ ...ok, containerId: 'x'.repeat(201) }, 400, /containerId/],
    [{ ...ok, ifname: 'eth0/../x' }, 400, /ifname/],
    [{ ...ok, extra: 1 }, 400, /unknown field\(s\): extra/],
    [{ ...ok, labels: { a: 5 } }, 400, /labels\.a must be a string/],
    [
      { ...ok, args: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) },
      400,
      /at most 64/,
    ],
    [{ ...ok, framework: '' }, 400, /framework/],
    [
      { ...ok, labels: JSON.parse('{"__proto__":{"polluted":"yes"}}') as object },
      400,
      /labels.__proto__ must be a string/,
    ],
    [{ ...ok, labels: JSON.parse('{"__proto__":"yes","trellis.task":"db"}') as object }, 201, /"ipv4"/],
  ];
  for (const [body, status, message] of cases) {
    const a = await post(typeof body === 'string' ? body : body);
    t.is(a.status, status, JSON.stringify(body).slice(0, 80));
    t.regex(a.text, message);
  }
  t.is(({} as { polluted?: string }).polluted, undefined);
  t.is(agent.node.stores.tasks.local()[0]?.name, 'db', 'named by its trellis.task label');
  t.is((await post(ok, 'text/plain')).status, 415);
  t.is((await call(api, 'POST', '/v1/cni/allocations', { body: 'x'.repeat(70_000) })).status, 413);
  t.is((await call(api, 'GET', '/v1/cni/allocations/dcos/c1')).status, 400, 'a path of two segments');
  t.is((await call(api, 'GET', '/v1/cni/allocations/dcos/%E0%A4%A/eth0')).status, 400, 'bad URL encoding');
  t.is((await call(api, 'PUT', '/v1/cni/allocations')).status, 405);
  t.is((await call(api, 'POST', '/v1/cni/gc', { body: { network: 'dcos', keep: 'all' } })).status, 400);
  t.is(
    (await call(api, 'POST', '/v1/cni/gc', { body: { network: 'dcos', keep: [{ containerId: 1 }] } })).status,
    400,
  );
  t.is(
    (await call(api, 'DELETE', '/v1/cni/allocations/gone/c9/eth0')).status,
    204,
    'DEL of an unknown network: nothing held',
  );
  t.is((await call(api, 'GET', '/v1/cni/status')).status, 200, 'still serving');
});

test('without a cni section every /v1/cni path is a 404 that says CNI is off', async (t) => {
  const dir = tempDir(t);
  const { agent, socket } = await cniAgent(dir, { cni: undefined });
  t.teardown(() => agent.stop());
  t.is(agent.cni, undefined);
  const a = await call({ socketPath: socket }, 'GET', '/v1/cni/status');
  t.is(a.status, 404);
  t.regex(a.text, /CNI is off on this agent/);
});

test('an ADD whose write takes longer than the idle timeout is still answered, not cut', async (t) => {
  const dir = tempDir(t);
  const { agent, plugin, socket } = await cniAgent(dir, {
    http: { socket: join(dir, 'agent.sock'), idleTimeoutMs: 300 },
  });
  t.teardown(() => agent.stop());
  await settled(agent);
  // A slow disk (fsync under load took seconds here): the answer waits for it, the socket is busy.
  const writer = agent.cni!.writer;
  const save = writer.save.bind(writer);
  writer.save = async () => {
    await new Promise((r) => setTimeout(r, 1200));
    return save();
  };
  const r = await execPlugin(plugin, env('slow'), netConfig(socket));
  t.is(r.code, 0, r.stdout);
});

test('a repeated ADD while the first is still being written is answered only after the write', async (t) => {
  const dir = tempDir(t);
  const { agent } = await cniAgent(dir);
  t.teardown(() => agent.stop());
  await settled(agent);
  const writer = agent.cni!.writer;
  const save = writer.save.bind(writer);
  let written = false;
  writer.save = async () => {
    await new Promise((r) => setTimeout(r, 500));
    await save();
    written = true;
  };
  const call = {
    network: 'dcos',
    containerId: 'r',
    ifname: 'eth0',
    args: {},
    labels: {},
    framework: undefined,
  };
  const first = agent.cni!.add(Date.now(), call);
  const again = await agent.cni!.add(Date.now(), call);
  t.true(written, 'the repeat was answered after the allocation was on disk');
  t.like(again, { ok: true, created: false });
  t.like(await first, { ok: true, created: true });
});

test('a stateDir that does not exist yet is made (0700) at start, so the first ADD can be persisted', async (t) => {
  const dir = tempDir(t);
  const state = join(dir, 'var', 'lib', 'trellis');
  const { agent, plugin, socket } = await cniAgent(dir, { stateDir: state });
  t.teardown(() => agent.stop());
  await settled(agent);
  const r = await execPlugin(plugin, env('first'), netConfig(socket));
  t.is(r.code, 0, r.stdout);
  t.is(statSync(state).mode & 0o777, 0o700);
  t.true(readFileSync(join(state, allocationFileName), 'utf8').includes('"first"'));
});
