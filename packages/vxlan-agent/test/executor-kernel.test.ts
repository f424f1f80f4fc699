/**
 * The executor against a real kernel, each test in its own network namespace (needs root).
 * Every state the executor writes is checked with iproute2, not with the executor itself.
 */
import { access } from 'node:fs/promises';
import test, { type ExecutionContext } from 'ava';
import type { KernelObject, KernelState, Op } from '../src/kernel-model.js';
import { createNetns, ipJson, isRoot, notRootReason, runFixture, sh } from './fixtures/netns.js';
import { testVtep } from './fixtures/test-vtep.js';

const kernelTest = isRoot ? test : test.skip;
if (!isRoot) test('kernel tests skipped', (t) => t.log(notRootReason) ?? t.pass());

const vtep = testVtep;
const neighbor = { dev: 'vtep1024', ip: '44.128.0.2', mac: '70:b3:d5:80:00:02' };
const fdb = { dev: 'vtep1024', mac: '70:b3:d5:80:00:02', dst: '192.168.77.2' };
const route = { dst: '9.0.2.0/24', gateway: '44.128.0.2', dev: 'vtep1024' };
const wanted: KernelState = {
  vteps: [vtep],
  bridges: [],
  neighbors: [neighbor],
  fdb: [fdb],
  routes: [route],
};

const put = (object: KernelObject, previous?: KernelObject): Op =>
  previous === undefined ? { op: 'put', object } : { op: 'put', object, previous };
const del = (object: KernelObject): Op => ({ op: 'delete', object });
const puts: Op[] = [
  put({ kind: 'vtep', spec: vtep }),
  put({ kind: 'neighbor', spec: neighbor }),
  put({ kind: 'fdb', spec: fdb }),
  put({ kind: 'route', spec: route }),
];

type Row = Record<string, unknown>;

async function applyOk(t: ExecutionContext, ns: string, ops: readonly Op[]) {
  const out = await runFixture(ns, { steps: [{ apply: ops }, { observe: null }] });
  t.is(out.error, undefined, JSON.stringify(out.error));
  const r = out.results[0] as { errors: unknown[]; skipped: unknown[] };
  t.deepEqual(r.errors, []);
  t.deepEqual(r.skipped, []);
  return out.results[1] as KernelState;
}

async function fdbRows(ns: string): Promise<Row[]> {
  return ipJson(ns, 'bridge', ['fdb', 'show', 'dev', 'vtep1024']);
}

kernelTest('puts create the VTEP, neighbor, FDB entry and route as iproute2 sees them', async (t) => {
  const ns = await createNetns(t);
  await applyOk(t, ns, puts);
  const [link] = await ipJson(ns, 'ip', ['-d', 'link', 'show', 'vtep1024']);
  const info = (link?.linkinfo as { info_kind: string; info_data: Row } | undefined)!;
  t.is(info.info_kind, 'vxlan');
  t.like(info.info_data, { id: 1024, port: 64000, local: '192.168.77.1', learning: false });
  t.like(link, { mtu: 1450, address: '70:b3:d5:80:00:01' });
  t.true((link?.flags as string[]).includes('UP'));
  const [addr] = await ipJson(ns, 'ip', ['-4', 'addr', 'show', 'dev', 'vtep1024']);
  t.like((addr?.addr_info as Row[])[0], { local: '44.128.0.1', prefixlen: 20 });
  const neigh = await ipJson(ns, 'ip', ['neigh', 'show', 'dev', 'vtep1024']);
  t.deepEqual(
    neigh.map((n) => [n.dst, n.lladdr, n.state]),
    [['44.128.0.2', '70:b3:d5:80:00:02', ['PERMANENT']]],
  );
  const fdbs = await fdbRows(ns);
  t.deepEqual(
    fdbs.map((f) => [f.mac, f.dst, f.flags, f.state]),
    [['70:b3:d5:80:00:02', '192.168.77.2', ['self'], 'permanent']],
  );
  const routes = await ipJson(ns, 'ip', ['route', 'show', 'proto', '44']);
  t.deepEqual(
    routes.map((r) => [r.dst, r.gateway, r.dev, r.flags]),
    [['9.0.2.0/24', '44.128.0.2', 'vtep1024', ['onlink']]],
  );
});

kernelTest('observe returns exactly our state; re-applying the puts changes nothing', async (t) => {
  const ns = await createNetns(t);
  await applyOk(t, ns, puts);
  const [before] = await ipJson(ns, 'ip', ['link', 'show', 'vtep1024']);
  // Foreign objects on our VTEP that observe must ignore.
  await sh('ip', [
    '-n',
    ns,
    'route',
    'add',
    '10.9.0.0/24',
    'via',
    '44.128.0.2',
    'dev',
    'vtep1024',
    'onlink',
    'proto',
    'static',
  ]);
  await sh('ip', [
    '-n',
    ns,
    'neigh',
    'add',
    '44.128.0.3',
    'lladdr',
    '70:b3:d5:80:00:03',
    'dev',
    'vtep1024',
    'nud',
    'reachable',
  ]);
  await sh('bridge', [
    '-n',
    ns,
    'fdb',
    'append',
    '00:00:00:00:00:00',
    'dev',
    'vtep1024',
    'dst',
    '192.168.77.9',
  ]);
  const observed = await applyOk(t, ns, puts);
  t.deepEqual(observed, wanted);
  const [after] = await ipJson(ns, 'ip', ['link', 'show', 'vtep1024']);
  t.is(after?.ifindex, before?.ifindex, 'a compatible VTEP is kept, not recreated');
  t.is((await fdbRows(ns)).length, 2, 'our entry and the foreign all-zero one');
  t.is((await ipJson(ns, 'ip', ['route', 'show', 'proto', '44'])).length, 1);
});

kernelTest('a MAC change with previous leaves no stale neighbor or FDB entry', async (t) => {
  const ns = await createNetns(t);
  await applyOk(t, ns, puts);
  const newMac = '70:b3:d5:80:00:99';
  const observed = await applyOk(t, ns, [
    put({ kind: 'neighbor', spec: { ...neighbor, mac: newMac } }, { kind: 'neighbor', spec: neighbor }),
    put({ kind: 'fdb', spec: { ...fdb, mac: newMac } }, { kind: 'fdb', spec: fdb }),
    put({ kind: 'route', spec: route }),
  ]);
  t.deepEqual(observed.neighbors, [{ ...neighbor, mac: newMac }]);
  t.deepEqual(observed.fdb, [{ ...fdb, mac: newMac }]);
  t.deepEqual(
    (await fdbRows(ns)).map((f) => f.mac),
    [newMac],
  );
  const neigh = await ipJson(ns, 'ip', ['neigh', 'show', 'dev', 'vtep1024']);
  t.deepEqual(
    neigh.map((n) => n.lladdr),
    [newMac],
  );
});

kernelTest('deletes remove everything; deleting missing objects succeeds', async (t) => {
  const ns = await createNetns(t);
  await applyOk(t, ns, [
    ...puts,
    put({ kind: 'bridge', spec: { name: 'm-dcos', address: '9.0.1.1/25', mtu: 1420 } }),
  ]);
  const deletes = [...puts].reverse().map((p) => del(p.object));
  deletes.push(del({ kind: 'bridge', spec: { name: 'm-dcos', address: '9.0.1.1/25', mtu: 1420 } }));
  const empty: KernelState = { vteps: [], bridges: [], neighbors: [], fdb: [], routes: [] };
  t.deepEqual(await applyOk(t, ns, deletes), empty);
  t.deepEqual(await applyOk(t, ns, deletes), empty, 'second time: all missing, no errors');
  t.deepEqual(await ipJson(ns, 'ip', ['route', 'show', 'proto', '44']), []);
  const links = await ipJson(ns, 'ip', ['link', 'show']);
  t.deepEqual(links.map((l) => l.ifname).sort(), ['lo', 'ul0', 'ul1']);
});

kernelTest('an incompatible VTEP is recreated; an MTU change is done in place', async (t) => {
  const ns = await createNetns(t);
  await applyOk(t, ns, puts);
  const [first] = await ipJson(ns, 'ip', ['link', 'show', 'vtep1024']);
  let observed = await applyOk(t, ns, [put({ kind: 'vtep', spec: { ...vtep, mtu: 1400 } })]);
  const [second] = await ipJson(ns, 'ip', ['link', 'show', 'vtep1024']);
  t.is(second?.ifindex, first?.ifindex);
  t.is(second?.mtu, 1400);
  t.deepEqual(observed.vteps, [{ ...vtep, mtu: 1400 }]);
  const changed = { ...vtep, vni: 2048, mac: '70:b3:d5:80:00:05', address: '44.128.0.5/20' };
  observed = await applyOk(t, ns, [put({ kind: 'vtep', spec: changed })]);
  t.deepEqual(observed.vteps, [changed]);
  const [third] = await ipJson(ns, 'ip', ['-d', 'link', 'show', 'vtep1024']);
  t.not(third?.ifindex, first?.ifindex);
  t.like((third?.linkinfo as { info_data: Row }).info_data, { id: 2048, port: 64000, learning: false });
  const addrs = await ipJson(ns, 'ip', ['-4', 'addr', 'show', 'dev', 'vtep1024']);
  t.deepEqual(
    (addrs[0]?.addr_info as Row[]).map((a) => a.local),
    ['44.128.0.5'],
  );
});

kernelTest('bridges m-dcos and d-dcos get their address and MTU', async (t) => {
  const ns = await createNetns(t);
  const m = { name: 'm-dcos', address: '9.0.1.1/25', mtu: 1420 };
  const d = { name: 'd-dcos', address: '9.0.1.129/25', mtu: 1420 };
  await applyOk(t, ns, [put({ kind: 'bridge', spec: m }), put({ kind: 'bridge', spec: d })]);
  const d2 = { ...d, address: '9.0.1.130/25', mtu: 1400 };
  const out = await runFixture(ns, {
    steps: [
      { apply: [put({ kind: 'bridge', spec: d2 })] },
      { observe: { vteps: [], bridges: ['m-dcos', 'd-dcos'] } },
    ],
  });
  t.deepEqual((out.results[1] as KernelState).bridges, [m, d2]);
  for (const b of [m, d2]) {
    const [addr] = await ipJson(ns, 'ip', ['-4', 'addr', 'show', 'dev', b.name]);
    t.like(addr, { mtu: b.mtu });
    t.deepEqual(
      (addr?.addr_info as Row[]).map((a) => `${String(a.local)}/${String(a.prefixlen)}`),
      [b.address],
    );
    t.true((addr?.flags as string[]).includes('UP'));
  }
});

kernelTest('ip forwarding is read and enabled in the namespace', async (t) => {
  const ns = await createNetns(t);
  const out = await runFixture(ns, { steps: [{ forwarding: 'read' }, { forwarding: 'enable' }] });
  t.deepEqual(out.results, [false, true]);
  t.is((await sh('ip', ['netns', 'exec', ns, 'cat', '/proc/sys/net/ipv4/ip_forward'])).trim(), '1');
});

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

kernelTest('without CAP_NET_ADMIN: one PermissionError that says what to do', async (t) => {
  const ns = await createNetns(t);
  let wrap: string[];
  if (await exists('/usr/sbin/capsh')) wrap = ['/usr/sbin/capsh', '--drop=cap_net_admin', '--'];
  else if (await exists('/usr/bin/setpriv')) {
    wrap = ['/usr/bin/setpriv', '--inh-caps=-all', '--bounding-set=-net_admin', '/bin/sh'];
  } else {
    t.log('neither capsh nor setpriv is installed: cannot drop CAP_NET_ADMIN, not tested');
    t.pass();
    return;
  }
  const expected = {
    name: 'PermissionError',
    code: 'ERR_TRELLIS_NET_ADMIN',
  };
  // Early check in open().
  const early = await runFixture(ns, { steps: [{ apply: puts }] }, wrap);
  t.like(early.error, expected);
  t.regex(early.error?.message ?? '', /run as root or grant CAP_NET_ADMIN.*setcap cap_net_admin\+ep/);
  // The kernel's EPERM, when the early check is skipped.
  const late = await runFixture(
    ns,
    { options: { checkCapabilities: false }, steps: [{ apply: puts }] },
    wrap,
  );
  t.like(late.error, expected);
  t.regex(late.error?.message ?? '', /EPERM.*run as root or grant CAP_NET_ADMIN/);
  t.deepEqual(await ipJson(ns, 'ip', ['link', 'show', 'vtep1024']).catch(() => []), []);
});

kernelTest('a stale second IPv4 address on our VTEP reads back as a difference and is removed', async (t) => {
  const ns = await createNetns(t);
  await applyOk(t, ns, puts);
  await sh('ip', ['-n', ns, 'addr', 'add', '44.128.0.77/20', 'dev', 'vtep1024']);
  const observed = (await runFixture(ns, { steps: [{ observe: null }] })).results[0] as KernelState;
  t.not(observed.vteps[0]?.address, vtep.address, 'two addresses are not the one wanted');
  await applyOk(t, ns, [put({ kind: 'vtep', spec: vtep })]);
  const [addr] = await ipJson(ns, 'ip', ['-4', 'addr', 'show', 'dev', 'vtep1024']);
  t.deepEqual(
    (addr?.addr_info as Row[]).map((a) => `${String(a.local)}/${String(a.prefixlen)}`),
    ['44.128.0.1/20'],
  );
});
