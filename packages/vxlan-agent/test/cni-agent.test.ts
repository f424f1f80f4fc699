import test from 'ava';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { allocationFileName } from '../src/cni/allocation-file.js';
import { cniAgent, env, execPlugin, netConfig, settled, tempDir } from './fixtures/cni-agent.js';
import { call } from './fixtures/http-client.js';

test('the installed plugin allocates from the Mesos half, idempotently, and the file is written first', async (t) => {
  const dir = tempDir(t);
  const { agent, plugin, socket } = await cniAgent(dir);
  t.teardown(() => agent.stop());
  await settled(agent);
  const half = agent.cni!.status()[0]!.half!;
  const conf = JSON.parse(readFileSync(join(dir, 'net.d', 'dcos.conflist'), 'utf8')) as {
    plugins: { bridge: string; mtu: number; ipam: { socket: string; half: string } }[];
  };
  t.is(conf.plugins[0]!.bridge, 'm-dcos');
  t.is(conf.plugins[0]!.mtu, 1450);
  t.is(conf.plugins[0]!.ipam.socket, socket);
  t.is(conf.plugins[0]!.ipam.half, half);
  t.is(statSync(plugin).mode & 0o777, 0o755);

  const first = await execPlugin(
    plugin,
    env('c1', 'ADD', { CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=web' }),
    netConfig(socket),
  );
  t.is(first.code, 0, first.stdout);
  const ips = first.json?.ips as { address: string; gateway: string }[];
  const base = half.split('/')[0]!.split('.').map(Number);
  t.is(ips[0]!.address, `${base[0]}.${base[1]}.${base[2]}.${base[3]! + 2}/25`);
  t.is(ips[0]!.gateway, `${base[0]}.${base[1]}.${base[2]}.${base[3]! + 1}`);
  t.deepEqual(first.json?.routes, [{ dst: '0.0.0.0/0', gw: ips[0]!.gateway }]);
  const again = await execPlugin(plugin, env('c1'), netConfig(socket));
  t.deepEqual(again.json?.ips, ips, 'ADD again: the same address');

  const file = join(dir, allocationFileName);
  t.is(statSync(file).mode & 0o777, 0o600);
  const saved = JSON.parse(readFileSync(file, 'utf8')) as {
    allocations: { containerId: string; ipv4: string }[];
  };
  t.deepEqual(
    saved.allocations.map((a) => [a.containerId, a.ipv4]),
    [['c1', ips[0]!.address.split('/')[0]]],
  );
  const task = agent.node.stores.tasks.local().find((e) => e.id === 'cni:dcos:c1:eth0');
  t.is(task?.name, 'web', 'named by K8S_POD_NAME');
  t.is(task?.framework, 'cni');
  t.deepEqual(task?.networks, [{ name: 'dcos', ipv4: ips[0]!.address.split('/')[0] }]);

  const del = await execPlugin(plugin, env('c1', 'DEL', { CNI_NETNS: '' }), netConfig(socket));
  t.is(del.code, 0, del.stdout);
  t.is(del.stdout, '');
  t.is(agent.node.stores.tasks.local().length, 0, 'DEL withdraws the task');
  t.is((await execPlugin(plugin, env('c1', 'DEL'), netConfig(socket))).code, 0, 'DEL again is fine');
});

test('a restart keeps every address, DEL works after it, and a new ADD never reuses a held address', async (t) => {
  const dir = tempDir(t);
  const one = await cniAgent(dir);
  // Stopped mid-test for the restart; stopped here only if an assertion before that threw.
  let oneStopped = false;
  t.teardown(() => (oneStopped ? undefined : one.agent.stop()));
  await settled(one.agent);
  const got = [];
  for (const id of ['a', 'b', 'c']) {
    const r = await execPlugin(one.plugin, env(id), netConfig(one.socket));
    t.is(r.code, 0, r.stdout);
    got.push(r.json);
  }
  await execPlugin(one.plugin, env('b', 'DEL'), netConfig(one.socket));
  await one.agent.stop();
  oneStopped = true;

  const down = await execPlugin(one.plugin, env('d'), netConfig(one.socket));
  t.is(down.code, 1);
  t.is(down.json?.code, 11, 'agent down: try again later');

  const two = await cniAgent(dir, {}, one.executor);
  t.teardown(() => two.agent.stop());
  t.is(two.agent.node.stores.tasks.local().length, 2, 'the tasks are registered again at start');
  await settled(two.agent);
  const addr = (r: unknown) => (r as { ips: { address: string }[] }).ips[0]!.address;
  const a = await execPlugin(two.plugin, env('a'), netConfig(two.socket));
  t.is(a.code, 0, a.stdout);
  t.is(addr(a.json), addr(got[0]), 'a keeps its address');
  const d = await execPlugin(two.plugin, env('d'), netConfig(two.socket));
  t.is(addr(d.json), addr(got[1]), 'the released address of b is the lowest free one');
  const e = await execPlugin(two.plugin, env('e'), netConfig(two.socket));
  t.not(addr(e.json), addr(got[2]), 'c still holds its address');
  t.is((await execPlugin(two.plugin, env('c', 'DEL', { CNI_NETNS: '' }), netConfig(two.socket))).code, 0);
  t.deepEqual(
    two.agent
      .cni!.table.list()
      .map((x) => x.containerId)
      .sort(),
    ['a', 'd', 'e'],
  );
});

test('on another slice after a restart, the old allocations are reported outside it and DEL still works', async (t) => {
  const dir = tempDir(t);
  const one = await cniAgent(dir);
  // Stopped mid-test for the restart; stopped here only if an assertion before that threw.
  let oneStopped = false;
  t.teardown(() => (oneStopped ? undefined : one.agent.stop()));
  await settled(one.agent);
  const before = one.agent.cni!.status()[0]!.half;
  await execPlugin(one.plugin, env('old'), netConfig(one.socket));
  await one.agent.stop();
  oneStopped = true;
  // A fresh kernel: no VTEP to resume from, so the agent claims a new random slice.
  const two = await cniAgent(dir);
  t.teardown(() => two.agent.stop());
  await settled(two.agent);
  const now = two.agent.cni!.status()[0]!;
  t.not(now.half, before);
  t.is(now.outside, 1);
  t.true(two.records.some((r) => r.message?.startsWith('cni allocations outside our slice') === true));
  const conf = readFileSync(join(dir, 'net.d', 'dcos.conflist'), 'utf8');
  t.true(conf.includes(now.half!), 'the conflist is rewritten for the new half');
  t.is((await execPlugin(two.plugin, env('old', 'DEL'), netConfig(two.socket))).code, 0);
  t.like(two.agent.cni!.status()[0], { outside: 0, allocated: 0 });
});

test('a full half fails ADD with an error naming overlay, agent and size; API, metrics and log say so', async (t) => {
  const dir = tempDir(t);
  // /29 slices: /30 halves with one container address each.
  const { agent, plugin, socket, records } = await cniAgent(dir, {
    overlays: [{ name: 'tiny', subnet: '10.9.0.0/16', prefixLength: 29 }],
  });
  t.teardown(() => agent.stop());
  await settled(agent, 'tiny');
  const cfg = netConfig(socket, '1.1.0', 'tiny');
  t.is((await execPlugin(plugin, env('one'), cfg)).code, 0);
  const full = await execPlugin(plugin, env('two'), cfg);
  t.is(full.code, 1);
  t.is(full.json?.code, 100);
  const half = agent.cni!.status()[0]!.half!;
  t.is(
    full.json?.msg,
    `overlay tiny: no free container address on agent agent-a: all 1 addresses of its Mesos half ${half} are allocated`,
  );
  const status = await execPlugin(plugin, env('x', 'STATUS'), cfg);
  t.is(status.json?.code, 50, 'STATUS: cannot serve ADD');
  const api = await call({ socketPath: socket }, 'GET', '/v1/cni/status');
  t.like((api.body as { networks: unknown[] }).networks[0], {
    network: 'tiny',
    exhausted: 1,
    allocated: 1,
    capacity: 1,
    ready: false,
  });
  const metrics = (await call({ socketPath: socket }, 'GET', '/metrics')).text;
  t.regex(metrics, /trellis_cni_exhausted_total\{overlay="tiny"\} 1/);
  t.true(
    records.some(
      (r) => r.level === 'warn' && r.fields.event === 'addressesExhausted' && r.message === full.json?.msg,
    ),
  );
});

// Serial: 100 node processes at once take the machine; the other tests here must not wait on it.
test.serial('100 parallel ADDs through the plugin get 100 distinct addresses, all persisted', async (t) => {
  t.timeout(120_000);
  const dir = tempDir(t);
  const { agent, plugin, socket } = await cniAgent(dir);
  t.teardown(() => agent.stop());
  await settled(agent);
  // 100 plugin processes at once, as a runtime starting 100 containers execs them: the agent
  // sees 100 concurrent requests, and every one must get its own address.
  const runs = await Promise.all(
    Array.from({ length: 100 }, (_, i) =>
      execPlugin(plugin, env(`p${i}`), netConfig(socket, '0.4.0')).then((r) => ({
        exitCode: r.code,
        stdout: r.stdout,
      })),
    ),
  );
  t.deepEqual(
    runs.filter((r) => r.exitCode !== 0).map((r) => r.stdout),
    [],
  );
  const addresses = runs.map((r) => (JSON.parse(r.stdout) as { ips: { address: string }[] }).ips[0]!.address);
  t.is(new Set(addresses).size, 100);
  const saved = JSON.parse(readFileSync(join(dir, allocationFileName), 'utf8')) as { allocations: unknown[] };
  t.is(saved.allocations.length, 100);
  t.log(`100 ADDs: ${agent.cni!.stats.stateWrites} writes of the allocations file`);
});

test('GC releases what is not in the keep-list; CHECK compares prevResult with what the agent holds', async (t) => {
  const dir = tempDir(t);
  const { agent, plugin, socket } = await cniAgent(dir);
  t.teardown(() => agent.stop());
  await settled(agent);
  const kept = await execPlugin(plugin, env('keep'), netConfig(socket, '1.1.0'));
  await execPlugin(plugin, env('leak'), netConfig(socket, '1.1.0'));
  const check = await execPlugin(
    plugin,
    env('keep', 'CHECK'),
    netConfig(socket, '1.1.0', 'dcos', { prevResult: kept.json }),
  );
  t.is(check.code, 0, check.stdout);
  const gc = await execPlugin(
    plugin,
    { CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' },
    netConfig(socket, '1.1.0', 'dcos', {
      'cni.dev/valid-attachments': [{ containerID: 'keep', ifname: 'eth0' }],
    }),
  );
  t.is(gc.code, 0, gc.stdout);
  t.deepEqual(
    agent.cni!.table.list().map((a) => a.containerId),
    ['keep'],
  );
  const gone = await execPlugin(
    plugin,
    env('leak', 'CHECK'),
    netConfig(socket, '1.1.0', 'dcos', { prevResult: kept.json }),
  );
  t.is(gone.json?.code, 3, 'CHECK of a released attachment: unknown container');
});
