/**
 * The executor's IPv6 half against a real kernel, each test in its own network namespace (needs
 * root): dual-stack VTEPs and bridges, IPv6 neighbors and routes, an IPv6 underlay. Every state
 * the executor writes is checked with iproute2, not with the executor itself.
 */
import test, { type ExecutionContext } from 'ava';
import type { KernelObject, KernelState, Op } from '../src/kernel-model.js';
import { createNetns, ipJson, isRoot, notRootReason, runFixture, sh } from './fixtures/netns.js';
import { testVtep } from './fixtures/test-vtep.js';

const kernelTest = isRoot ? test : test.skip;
if (!isRoot) test('IPv6 kernel tests skipped', (t) => t.log(notRootReason) ?? t.pass());

type Row = Record<string, unknown>;

const vtep = { ...testVtep, address6: 'fd01:a::1/64' };
const bridge = { name: 'm-dcos', address: '9.0.1.1/25', address6: 'fd01:b::1:0:0:1/81', mtu: 1450 };
const neighbor = { dev: 'vtep1024', ip: '44.128.0.2', mac: '70:b3:d5:80:00:02' };
const neighbor6 = { dev: 'vtep1024', ip: 'fd01:a::2', mac: '70:b3:d5:80:00:02' };
const fdb = { dev: 'vtep1024', mac: '70:b3:d5:80:00:02', dst: '192.168.77.2' };
const route = { dst: '9.0.2.0/24', gateway: '44.128.0.2', dev: 'vtep1024' };
const route6 = { dst: 'fd01:b:0:0:2::/80', gateway: 'fd01:a::2', dev: 'vtep1024' };

const put = (object: KernelObject, previous?: KernelObject): Op =>
  previous === undefined ? { op: 'put', object } : { op: 'put', object, previous };
const del = (object: KernelObject): Op => ({ op: 'delete', object });
const puts: Op[] = [
  put({ kind: 'vtep', spec: vtep }),
  put({ kind: 'bridge', spec: bridge }),
  put({ kind: 'neighbor', spec: neighbor }),
  put({ kind: 'neighbor', spec: neighbor6 }),
  put({ kind: 'fdb', spec: fdb }),
  put({ kind: 'route', spec: route }),
  put({ kind: 'route', spec: route6 }),
];
const wanted: KernelState = {
  vteps: [vtep],
  bridges: [bridge],
  neighbors: [neighbor, neighbor6],
  fdb: [fdb],
  routes: [route, route6],
};

async function applyOk(t: ExecutionContext, ns: string, ops: readonly Op[]) {
  const out = await runFixture(ns, { steps: [{ apply: ops }, { observe: null }] });
  t.is(out.error, undefined, JSON.stringify(out.error));
  const r = out.results[0] as { errors: unknown[]; skipped: unknown[] };
  t.deepEqual(r.errors, []);
  t.deepEqual(r.skipped, []);
  return out.results[1] as KernelState;
}

/** Global IPv6 addresses of `dev` as `ip/len`, with their flags (tentative must not be one). */
async function addrs6(ns: string, dev: string): Promise<{ cidr: string; flags: string[] }[]> {
  const [link] = await ipJson(ns, 'ip', ['-6', 'addr', 'show', 'dev', dev, 'scope', 'global']);
  // iproute2's JSON keeps an empty entry for each address the scope filter left out.
  const info = ((link?.addr_info as Row[] | undefined) ?? []).filter((a) => a.local !== undefined);
  return info.map((a) => ({
    cidr: `${String(a.local)}/${String(a.prefixlen)}`,
    flags: ['tentative', 'dadfailed', 'nodad'].filter((f) => a[f] === true),
  }));
}

async function linkLocal(ns: string, dev: string): Promise<Row[]> {
  const [link] = await ipJson(ns, 'ip', ['-6', 'addr', 'show', 'dev', dev, 'scope', 'link']);
  return ((link?.addr_info as Row[] | undefined) ?? []).filter((a) => a.local !== undefined);
}

const sysctl = async (ns: string, key: string): Promise<string> =>
  (await sh('ip', ['netns', 'exec', ns, 'cat', `/proc/sys/net/ipv6/conf/${key}`])).trim();

kernelTest(
  'dual-stack puts: IPv6 addresses (nodad), IPv6 neighbor and onlink route as iproute2 sees them',
  async (t) => {
    const ns = await createNetns(t);
    t.deepEqual(await applyOk(t, ns, puts), wanted);
    t.deepEqual(await addrs6(ns, 'vtep1024'), [{ cidr: 'fd01:a::1/64', flags: ['nodad'] }]);
    t.deepEqual(await addrs6(ns, 'm-dcos'), [{ cidr: 'fd01:b::1:0:0:1/81', flags: ['nodad'] }]);
    const neigh = await ipJson(ns, 'ip', ['-6', 'neigh', 'show', 'dev', 'vtep1024', 'nud', 'permanent']);
    t.deepEqual(
      neigh.map((n) => [n.dst, n.lladdr, n.state]),
      [['fd01:a::2', '70:b3:d5:80:00:02', ['PERMANENT']]],
    );
    const routes = await ipJson(ns, 'ip', ['-6', 'route', 'show', 'proto', '44']);
    t.deepEqual(
      routes.map((r) => [r.dst, r.gateway, r.dev, r.flags]),
      [['fd01:b:0:0:2::/80', 'fd01:a::2', 'vtep1024', ['onlink']]],
    );
    t.is(
      (await ipJson(ns, 'ip', ['-4', 'route', 'show', 'proto', '44'])).length,
      1,
      'the IPv4 route beside it',
    );
  },
);

kernelTest(
  'observe ignores the kernel’s own IPv6 objects and foreign ones; re-applying changes nothing',
  async (t) => {
    const ns = await createNetns(t);
    await applyOk(t, ns, puts);
    const [before] = await ipJson(ns, 'ip', ['link', 'show', 'vtep1024']);
    await sh('ip', [
      '-n',
      ns,
      '-6',
      'route',
      'add',
      'fd09::/64',
      'via',
      'fd01:a::2',
      'dev',
      'vtep1024',
      'proto',
      'static',
    ]);
    await sh('ip', [
      '-n',
      ns,
      '-6',
      'neigh',
      'add',
      'fd01:a::3',
      'lladdr',
      '70:b3:d5:80:00:03',
      'dev',
      'vtep1024',
      'nud',
      'reachable',
    ]);
    t.is((await linkLocal(ns, 'vtep1024')).length, 1, 'the kernel gave the VTEP its fe80:: address');
    t.deepEqual(await applyOk(t, ns, puts), wanted);
    const [after] = await ipJson(ns, 'ip', ['link', 'show', 'vtep1024']);
    t.is(after?.ifindex, before?.ifindex, 'a compatible VTEP is kept');
    t.is(
      (await ipJson(ns, 'ip', ['-6', 'route', 'show', 'proto', 'static'])).length,
      1,
      'the foreign route stays',
    );
  },
);

kernelTest('IPv6 disabled for new devices by sysctl: enabled on ours only', async (t) => {
  const ns = await createNetns(t);
  await sh('ip', ['netns', 'exec', ns, 'sysctl', '-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
  await sh('ip', ['-n', ns, 'link', 'add', 'other0', 'type', 'bridge']);
  t.is(await sysctl(ns, 'other0/disable_ipv6'), '1');
  t.deepEqual(await applyOk(t, ns, puts), wanted);
  t.is(await sysctl(ns, 'vtep1024/disable_ipv6'), '0');
  t.is(await sysctl(ns, 'm-dcos/disable_ipv6'), '0');
  t.is(await sysctl(ns, 'other0/disable_ipv6'), '1', 'a device that is not ours is left alone');
  t.deepEqual(await addrs6(ns, 'vtep1024'), [{ cidr: 'fd01:a::1/64', flags: ['nodad'] }]);
});

kernelTest(
  'an IPv6 address change leaves no stale address; a spec without address6 removes ours, not fe80::',
  async (t) => {
    const ns = await createNetns(t);
    await applyOk(t, ns, puts);
    const moved = { ...vtep, address6: 'fd01:a::5/64' };
    let observed = await applyOk(t, ns, [put({ kind: 'vtep', spec: moved }, { kind: 'vtep', spec: vtep })]);
    t.deepEqual(observed.vteps, [moved]);
    t.deepEqual(await addrs6(ns, 'vtep1024'), [{ cidr: 'fd01:a::5/64', flags: ['nodad'] }]);
    // A stale address added behind our back is removed by the next put.
    await sh('ip', ['-n', ns, '-6', 'addr', 'add', 'fd01:a::77/64', 'dev', 'vtep1024', 'nodad']);
    observed = (await runFixture(ns, { steps: [{ observe: null }] })).results[0] as KernelState;
    t.not(observed.vteps[0]?.address6, moved.address6, 'two addresses do not read back as the wanted one');
    await applyOk(t, ns, [put({ kind: 'vtep', spec: moved })]);
    t.deepEqual(await addrs6(ns, 'vtep1024'), [{ cidr: 'fd01:a::5/64', flags: ['nodad'] }]);
    const { address6: _gone, ...v4only } = vtep;
    observed = await applyOk(t, ns, [put({ kind: 'vtep', spec: v4only })]);
    t.deepEqual(observed.vteps, [v4only]);
    t.deepEqual(await addrs6(ns, 'vtep1024'), []);
    const linkLocal = await ipJson(ns, 'ip', ['-6', 'addr', 'show', 'dev', 'vtep1024', 'scope', 'link']);
    t.is((linkLocal[0]?.addr_info as Row[] | undefined)?.length, 1);
  },
);

kernelTest(
  'IPv6 neighbor and route: a MAC change replaces, deletes remove them, deleting again succeeds',
  async (t) => {
    const ns = await createNetns(t);
    await applyOk(t, ns, puts);
    const mac = '70:b3:d5:80:00:99';
    const next6 = { ...route6, gateway: 'fd01:a::9' };
    let observed = await applyOk(t, ns, [
      put({ kind: 'neighbor', spec: { ...neighbor6, mac } }, { kind: 'neighbor', spec: neighbor6 }),
      put({ kind: 'route', spec: next6 }, { kind: 'route', spec: route6 }),
    ]);
    t.deepEqual(observed.neighbors, [neighbor, { ...neighbor6, mac }]);
    t.deepEqual(observed.routes, [route, next6]);
    const gone = [del({ kind: 'route', spec: next6 }), del({ kind: 'neighbor', spec: neighbor6 })];
    observed = await applyOk(t, ns, gone);
    t.deepEqual(observed.neighbors, [neighbor]);
    t.deepEqual(observed.routes, [route]);
    t.deepEqual(await applyOk(t, ns, gone), observed, 'second time: all missing, no errors');
    t.deepEqual(await ipJson(ns, 'ip', ['-6', 'route', 'show', 'proto', '44']), []);
    t.deepEqual(await ipJson(ns, 'ip', ['-6', 'neigh', 'show', 'dev', 'vtep1024', 'nud', 'permanent']), []);
  },
);

kernelTest(
  'an IPv6 underlay: VXLAN local IPv6 and FDB dst IPv6; a family change recreates the VTEP',
  async (t) => {
    const ns = await createNetns(t);
    await sh('ip', ['-n', ns, '-6', 'addr', 'add', 'fd00::1/64', 'dev', 'ul0', 'nodad']);
    const v6 = { ...vtep, localIp: 'fd00::1', mtu: 1430 };
    const fdb6 = { ...fdb, dst: 'fd00::2' };
    const observed = await applyOk(t, ns, [
      put({ kind: 'vtep', spec: v6 }),
      put({ kind: 'neighbor', spec: neighbor6 }),
      put({ kind: 'fdb', spec: fdb6 }),
      put({ kind: 'route', spec: route6 }),
    ]);
    t.deepEqual(observed, {
      vteps: [v6],
      bridges: [],
      neighbors: [neighbor6],
      fdb: [fdb6],
      routes: [route6],
    });
    const [link] = await ipJson(ns, 'ip', ['-d', 'link', 'show', 'vtep1024']);
    t.like((link?.linkinfo as { info_data: Row }).info_data, { id: 1024, local6: 'fd00::1', port: 64000 });
    t.is(link?.mtu, 1430);
    const rows = await ipJson(ns, 'bridge', ['fdb', 'show', 'dev', 'vtep1024']);
    t.deepEqual(
      rows.filter((f) => f.mac !== '00:00:00:00:00:00').map((f) => [f.mac, f.dst, f.state]),
      [['70:b3:d5:80:00:02', 'fd00::2', 'permanent']],
    );
    const back = await applyOk(t, ns, [put({ kind: 'vtep', spec: vtep }, { kind: 'vtep', spec: v6 })]);
    t.deepEqual(back.vteps, [vtep], 'recreated with the IPv4 underlay');
    t.deepEqual(back.fdb, [], 'what lived on the old VTEP went with it');
  },
);

kernelTest('IPv6 forwarding is read and enabled in the namespace', async (t) => {
  const ns = await createNetns(t);
  const out = await runFixture(ns, { steps: [{ forwarding6: 'read' }, { forwarding6: 'enable' }] });
  t.deepEqual(out.results, [false, true]);
  t.is(await sysctl(ns, 'all/forwarding'), '1');
});
