import test from 'ava';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ipaddr from 'ipaddr.js';
import { allocationFileName } from '../src/cni/allocation-file.js';
import { cniAgent, env, execPlugin, netConfig, settled, tempDir } from './fixtures/cni-agent.js';
import { call } from './fixtures/http-client.js';

/** A dual-stack overlay (DC/OS's `dcos6` sizes: /80 IPv6 slices, /81 halves) through the installed plugin. */
const dualStack = { overlays: [{ name: 'dcos', subnet: '9.0.0.0/8', subnet6: 'fd01:b::/64' }] };

/** The address `n` after an IPv6 network's base, as the allocator spells it. */
function nth(half: string, n: number): string {
  const bytes = ipaddr.IPv6.networkAddressFromCIDR(half).toByteArray();
  let v = bytes.reduce((acc, b) => (acc << 8n) | BigInt(b), 0n) + BigInt(n);
  for (let i = 15; i >= 0; i--, v >>= 8n) bytes[i] = Number(v & 0xffn);
  return ipaddr.fromByteArray(bytes).toString();
}

type Ip = { address: string; gateway: string };

test('a dual-stack overlay: ADD gives an IPv6 address of the Mesos half beside the IPv4 one, persisted, in the task', async (t) => {
  const dir = tempDir(t);
  const { agent, plugin, socket } = await cniAgent(dir, dualStack);
  t.teardown(() => agent.stop());
  await settled(agent);
  const route = agent.node.stores.routes.local('dcos')!.route!;
  const status = agent.cni!.status()[0]!;
  t.is(status.half, route.mesosSubnet!);
  t.is(status.half6, route.mesosSubnet6!);
  t.regex(route.mesosSubnet6!, /\/81$/);
  const conf = JSON.parse(readFileSync(join(dir, 'net.d', 'dcos.conflist'), 'utf8')) as {
    plugins: { ipam: { half6?: string } }[];
  };
  t.is(conf.plugins[0]!.ipam.half6, route.mesosSubnet6);

  const add = await execPlugin(plugin, env('c1'), netConfig(socket, '0.4.0'));
  t.is(add.code, 0, add.stdout);
  const ips = add.json?.ips as (Ip & { version: string })[];
  const half6 = route.mesosSubnet6!;
  t.deepEqual(ips[1], { version: '6', address: `${nth(half6, 2)}/81`, gateway: nth(half6, 1) });
  t.is(ips[0]!.version, '4');
  t.deepEqual(add.json?.routes, [
    { dst: '0.0.0.0/0', gw: ips[0]!.gateway },
    { dst: '::/0', gw: nth(half6, 1) },
  ]);
  const ipv6 = nth(half6, 2);
  const task = agent.node.stores.tasks.local().find((e) => e.id === 'cni:dcos:c1:eth0');
  t.deepEqual(task?.networks, [{ name: 'dcos', ipv4: ips[0]!.address.split('/')[0], ipv6 }]);
  const saved = JSON.parse(readFileSync(join(dir, allocationFileName), 'utf8')) as {
    allocations: { ipv6?: string; gateway6?: string }[];
  };
  t.like(saved.allocations[0], { ipv6, gateway6: nth(half6, 1) });
  const listed = (await call({ socketPath: socket }, 'GET', '/v1/cni/allocations')).body as {
    address6?: string;
  }[];
  t.is(listed[0]?.address6, `${ipv6}/81`);

  const check = await execPlugin(
    plugin,
    env('c1', 'CHECK'),
    netConfig(socket, '1.1.0', 'dcos', { prevResult: add.json }),
  );
  t.is(check.code, 0, check.stdout);
  const v4only = { ...add.json, ips: [ips[0]] };
  const bad = await execPlugin(
    plugin,
    env('c1', 'CHECK'),
    netConfig(socket, '1.1.0', 'dcos', { prevResult: v4only }),
  );
  t.is(bad.json?.code, 7, 'CHECK with the IPv6 address missing fails');

  t.is((await execPlugin(plugin, env('c1', 'DEL'), netConfig(socket))).code, 0);
  const next = await execPlugin(plugin, env('c2'), netConfig(socket));
  t.deepEqual(
    (next.json?.ips as Ip[]).map((x) => x.address),
    ips.map((x) => x.address),
    'DEL freed both addresses: the next container gets them',
  );
});

test('a restart keeps both addresses of every container, and GC releases both', async (t) => {
  const dir = tempDir(t);
  const one = await cniAgent(dir, dualStack);
  await settled(one.agent);
  const first = await execPlugin(one.plugin, env('a'), netConfig(one.socket));
  t.is(first.code, 0, first.stdout);
  await one.agent.stop();

  const two = await cniAgent(dir, dualStack, one.executor);
  t.teardown(() => two.agent.stop());
  await settled(two.agent);
  t.like(two.agent.cni!.status()[0], { outside: 0, allocated: 1 });
  const again = await execPlugin(two.plugin, env('a'), netConfig(two.socket));
  t.deepEqual(again.json?.ips, first.json?.ips, 'ADD again after the restart: the same two addresses');
  const other = await execPlugin(two.plugin, env('b'), netConfig(two.socket));
  const addresses = (r: typeof first) => (r.json?.ips as Ip[]).map((x) => x.address);
  t.is(new Set([...addresses(first), ...addresses(other)]).size, 4, 'b gets addresses a does not hold');
  const gc = await execPlugin(
    two.plugin,
    { CNI_COMMAND: 'GC', CNI_PATH: '/opt/cni/bin' },
    netConfig(two.socket, '1.1.0', 'dcos', { 'cni.dev/valid-attachments': [] }),
  );
  t.is(gc.code, 0, gc.stdout);
  const c = await execPlugin(two.plugin, env('c'), netConfig(two.socket));
  t.deepEqual(addresses(c), addresses(first), 'GC freed both families: the lowest ones again');
});

test('an IPv6-only overlay: ADD gives one IPv6 address of the Mesos half and an IPv6 default route, nothing IPv4', async (t) => {
  const dir = tempDir(t);
  const v6only = { overlays: [{ name: 'dcos6', subnet6: 'fd01:b::/64', vni: 1025 }] };
  const { agent, plugin, socket } = await cniAgent(dir, v6only);
  t.teardown(() => agent.stop());
  await settled(agent, 'dcos6');
  const route = agent.node.stores.routes.local('dcos6')!.route!;
  t.false('mesosSubnet' in route);
  const conf = JSON.parse(readFileSync(join(dir, 'net.d', 'dcos6.conflist'), 'utf8')) as {
    plugins: { ipam: { half?: string; half6?: string } }[];
  };
  t.deepEqual([conf.plugins[0]!.ipam.half, conf.plugins[0]!.ipam.half6], [undefined, route.mesosSubnet6]);

  const add = await execPlugin(plugin, env('c1'), netConfig(socket, '1.1.0', 'dcos6'));
  t.is(add.code, 0, add.stdout);
  const half6 = route.mesosSubnet6!;
  t.deepEqual(add.json?.ips, [{ address: `${nth(half6, 2)}/81`, gateway: nth(half6, 1) }]);
  t.deepEqual(add.json?.routes, [{ dst: '::/0', gw: nth(half6, 1) }]);
  const task = agent.node.stores.tasks.local().find((e) => e.id === 'cni:dcos6:c1:eth0');
  t.deepEqual(task?.networks, [{ name: 'dcos6', ipv6: nth(half6, 2) }]);
  t.is((await execPlugin(plugin, env('c1', 'DEL'), netConfig(socket, '1.1.0', 'dcos6'))).code, 0);
  t.deepEqual(agent.node.stores.tasks.local(), [], 'DEL withdrew the task');
});
