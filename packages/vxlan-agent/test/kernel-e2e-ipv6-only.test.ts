import test from 'ava';
import ipaddr from 'ipaddr.js';
import { fileURLToPath } from 'node:url';
import { vtepMac } from '@trellis/routes';
import { Topology, isRoot, json, sh } from '../src/testing/netns.js';
import { fdb, link, neighbors, programmedFor, tcpEcho } from '../src/testing/overlay-checks.js';
import { identity6, programmed6For, routes6 } from '../src/testing/overlay-checks-ipv6.js';
import { e2eConfig } from './fixtures/e2e-config.js';
import { step } from './fixtures/e2e-steps.js';

/**
 * An IPv6-only overlay on real kernels, as DC/OS ships `dcos6` (fd01:b::/64 in /80 slices, VTEP
 * IPv6 addresses from fd01:a::/64, no IPv4 at all): beside the IPv4 `dcos` over an IPv4
 * underlay, then alone over an IPv6 underlay, where nothing of the overlay is IPv4. Requires
 * root (CI runs as root); everything it creates is deleted in teardown, whatever happens.
 */
const bin = fileURLToPath(new URL('../src/bin/trellis-agent.js', import.meta.url));
const dcos = { name: 'dcos', subnet: '9.0.0.0/8' };
const dcos6 = {
  name: 'dcos6',
  subnet6: 'fd01:b::/64',
  prefixLength6: 80,
  vtepSubnet6: 'fd01:a::/64',
  vni: 1025,
};

const others = (i: number, all: number[]) => all.filter((p) => p !== i);
const sysctl = (ns: string, key: string) =>
  sh('ip', 'netns', 'exec', ns, 'cat', `/proc/sys/net/${key}`).trim();
const inet4 = (ns: string, dev: string) => (link(ns, dev).addr_info ?? []).filter((a) => a.family === 'inet');
const routes4 = (ns: string) =>
  json<{ dst: string; dev: string }[]>('ip', '-n', ns, '-4', '-j', 'route', 'show', 'proto', '44');

/** The IPv6-only overlay's devices carry no IPv4: no address, no neighbor, no route through them. */
function noIpv4On(ns: string): boolean {
  return (
    inet4(ns, 'vtep1025').length === 0 &&
    inet4(ns, 'm-dcos6').length === 0 &&
    neighbors(ns, 'vtep1025').length === 0 &&
    routes4(ns).every((r) => r.dev !== 'vtep1025')
  );
}

/** The container's first address in host `i`'s Mesos IPv6 half: the gateway + 1. */
function containerIp6(gw6: string): string {
  const bytes = ipaddr.parse(gw6).toByteArray();
  bytes[15]! += 1;
  return (ipaddr.fromByteArray(bytes) as ipaddr.IPv6).toRFC5952String();
}

const kernelTest = isRoot() ? test.serial : test.skip;
if (!isRoot())
  console.log('kernel-e2e-ipv6-only: skipped because it needs root to create network namespaces');

kernelTest(
  'IPv6-only dcos6 beside dcos: IPv6 sets only, VTEP from the slice, traffic, restart, departure',
  async (t) => {
    t.timeout(180_000);
    const topo = new Topology(3);
    t.teardown(() => topo.destroy());
    const all = [1, 2, 3];
    const start = (i: number) =>
      topo.startAgent(i, bin, e2eConfig(topo.dir, i, topo.host(i).ip, '192.168.77.1', [dcos, dcos6]));
    for (const i of all) start(i);

    await step(
      t,
      topo,
      '(a) every kernel holds the IPv6 entries of the two others on dcos6, and the IPv4 ones on dcos',
      () =>
        all.every(
          (i) =>
            programmedFor(topo, i, others(i, all)) &&
            programmed6For(topo, i, others(i, all), 'vtep1025', 'm-dcos6') &&
            fdb(topo.host(i).ns, 'vtep1025').length === 2,
        ),
      60_000,
    );
    const before = new Map<number, ReturnType<typeof identity6>>();
    for (const i of all) {
      const ns = topo.host(i).ns;
      t.true(noIpv4On(ns), `host ${i}: no IPv4 on the IPv6-only overlay`);
      t.true(routes6(ns).every((r) => r.dev === 'vtep1025'));
      const id = identity6(topo, i, 'vtep1025', 'm-dcos6');
      before.set(i, id);
      // The slice names the VTEP IPv6 (network + index + 1), and the VTEP IPv6 the MAC.
      const index = Number.parseInt(id.subnet6.split(':')[4]!, 16);
      t.is(id.vtepIp6, `fd01:a::${(index + 1).toString(16)}`);
      t.is(id.mac, vtepMac(id.vtepIp6));
    }

    const ips6: string[] = [];
    for (const i of all) {
      const id = before.get(i)!;
      ips6[i] = containerIp6(id.gw6);
      topo.attachContainer(i, 'm-dcos6', `${ips6[i]}/81`, id.gw6);
    }
    t.true(await tcpEcho(topo, 1, 2, ips6[2]!), '(b) TCP over IPv6 between containers on two hosts');
    t.true(await tcpEcho(topo, 3, 1, ips6[1]!), '(b) and back from the third');

    // The slice is read back from the VTEP's IPv6 address: a restart keeps it.
    await topo.stopAgent(1, 'SIGKILL');
    start(1);
    await step(t, topo, '(c) restarted agent back, on the same slice', () =>
      [2, 3].every((i) => programmed6For(topo, i, others(i, all), 'vtep1025', 'm-dcos6')),
    );
    t.deepEqual(identity6(topo, 1, 'vtep1025', 'm-dcos6'), before.get(1));
    t.true(await tcpEcho(topo, 2, 1, ips6[1]!), '(c) IPv6 traffic to the restarted host');

    await topo.stopAgent(3, 'SIGKILL');
    const gone = before.get(3)!;
    topo.removeHost(3);
    await step(
      t,
      topo,
      '(d) host 3 dropped: no IPv6 entry of it left',
      () =>
        [1, 2].every(
          (i) =>
            programmed6For(topo, i, [3 - i], 'vtep1025', 'm-dcos6') &&
            routes6(topo.host(i).ns).every((r) => r.gateway !== gone.vtepIp6) &&
            fdb(topo.host(i).ns, 'vtep1025').every((f) => f.mac !== gone.mac),
        ),
      40_000,
    );
    for (const i of [1, 2]) t.is(await topo.stopAgent(i, 'SIGTERM'), 0);
  },
);

kernelTest(
  'IPv6-only dcos6 over an IPv6 underlay: no IPv4 anywhere in the overlay, traffic across',
  async (t) => {
    t.timeout(180_000);
    const topo = new Topology(2, { ipv6Underlay: true });
    t.teardown(() => topo.destroy());
    const ip6 = (i: number) => topo.host(i).ip6!;
    for (const i of [1, 2]) topo.startAgent(i, bin, e2eConfig(topo.dir, i, ip6(i), ip6(1), [dcos6]));

    await step(
      t,
      topo,
      '(a) IPv6 neighbor, route and FDB entry (dst IPv6) of the other host',
      () =>
        [1, 2].every((i) => {
          const rows = fdb(topo.host(i).ns, 'vtep1025');
          return (
            rows.length === 1 &&
            rows[0]!.dst === ip6(3 - i) &&
            programmed6For(topo, i, [3 - i], 'vtep1025', 'm-dcos6')
          );
        }),
      60_000,
    );
    for (const i of [1, 2]) {
      const ns = topo.host(i).ns;
      t.true(noIpv4On(ns), `host ${i}: no IPv4 on the overlay`);
      t.deepEqual(routes4(ns), [], `host ${i}: no IPv4 route of ours at all`);
      t.is(sysctl(ns, 'ipv6/conf/all/forwarding'), '1', 'enableIpForwarding turned IPv6 forwarding on');
      t.is(sysctl(ns, 'ipv4/ip_forward'), '0', 'and left IPv4 forwarding alone: no overlay carries IPv4');
    }
    const [a, b] = [identity6(topo, 1, 'vtep1025', 'm-dcos6'), identity6(topo, 2, 'vtep1025', 'm-dcos6')];
    topo.attachContainer(1, 'm-dcos6', `${containerIp6(a.gw6)}/81`, a.gw6);
    topo.attachContainer(2, 'm-dcos6', `${containerIp6(b.gw6)}/81`, b.gw6);
    t.true(await tcpEcho(topo, 1, 2, containerIp6(b.gw6)), '(b) TCP between containers, IPv6 end to end');
    for (const i of [2, 1]) t.is(await topo.stopAgent(i, 'SIGTERM'), 0);
  },
);
