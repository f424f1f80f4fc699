import test from 'ava';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Topology, isRoot } from '../src/testing/netns.js';
import { PodmanHost, busyboxRootfs, podmanMissing } from '../src/testing/podman.js';
import { call } from './fixtures/http-client.js';
import { nodeInNetns, untilTrue } from './fixtures/netns-node.js';
import { resolveIn } from './fixtures/e2e-steps.js';

/**
 * podman containers on DC/OS's IPv6-only `dcos6`, through the agent's conflist (the standard
 * bridge plugin over the trellis IPAM plugin) on two hosts: one IPv6 address each, TCP over
 * IPv6 across the overlay, AAAA and no A. Root only; everything it makes is removed in teardown.
 */
const bin = fileURLToPath(new URL('../src/bin/trellis-agent.js', import.meta.url));
const zone = 'dcos.thisdcos.directory';

function config(dir: string, i: number, ip: string): object {
  const own = join(dir, `h${i}`);
  return {
    nodeId: `h${i}`,
    bind: `${ip}:7946`,
    seeds: i === 1 ? [] : ['192.168.77.1:7946'],
    plaintext: true,
    identity: 'none',
    profile: 'local',
    underlay: { ip },
    overlays: [{ name: 'dcos6', subnet6: 'fd01:b::/64', vni: 1025 }],
    enableIpForwarding: true,
    resyncIntervalMs: 2000,
    routes: { settleMs: 500, graceMs: 3000, reclaimMs: 60_000 },
    dns: {},
    http: { socket: join(dir, `h${i}.sock`) },
    stateDir: own,
    cni: { binDir: join(own, 'bin'), confDir: join(own, 'net.d') },
  };
}

const missing = isRoot() ? podmanMissing() : 'it needs root';
const podmanTest = missing === undefined ? test.serial : test.skip;
if (missing !== undefined)
  console.log(`cni-podman-ipv6-only: skipped because ${missing} (CI installs podman and runs as root)`);

podmanTest(
  'podman on an IPv6-only overlay: one IPv6 address each, TCP over IPv6 across hosts, AAAA and no A',
  async (t) => {
    t.timeout(120_000);
    const topo = new Topology(2);
    const hosts: PodmanHost[] = [];
    t.teardown(async () => {
      for (const h of hosts) await h.removeAll();
      topo.destroy();
    });
    const rootfs = busyboxRootfs(topo.dir);
    for (const i of [1, 2]) {
      const c = config(topo.dir, i, topo.host(i).ip) as { cni: { binDir: string; confDir: string } };
      topo.startAgent(i, bin, c);
      hosts.push(new PodmanHost(topo.host(i).ns, join(topo.dir, `podman${i}`), rootfs, c.cni));
    }
    const [p1, p2] = hosts as [PodmanHost, PodmanHost];
    const api = (i: number, path: string) => call({ socketPath: join(topo.dir, `h${i}.sock`) }, 'GET', path);
    const ready = async (i: number) =>
      ((await api(i, '/v1/cni/status')).body as { networks: { ready: boolean }[] }).networks.every(
        (n) => n.ready,
      );
    t.true(await untilTrue(async () => (await ready(1)) && (await ready(2)), 60_000), 'slices settled');

    for (const [p, name] of [
      [p1, 'web1'],
      [p2, 'web2'],
    ] as const) {
      const r = await p.start(name, 'dcos6');
      t.is(r.code, 0, r.stderr);
    }
    const allocation = async (i: number) =>
      (
        (await api(i, '/v1/cni/allocations')).body as { network: string; address?: string; ipv6?: string }[]
      )[0];
    const [a1, a2] = [await allocation(1), await allocation(2)];
    t.regex(a1?.ipv6 ?? '', /^fd01:b:/);
    t.regex(a2?.ipv6 ?? '', /^fd01:b:/);
    t.is(a1?.address, undefined, 'no IPv4 address');
    const result = await p1.cniResult('web1', 'dcos6');
    t.deepEqual(
      (result as unknown as { ips: { address: string }[] }).ips.map((x) => x.address.split('/')[0]),
      [a1!.ipv6],
      'the CNI result podman got: one IPv6 address',
    );

    const server = nodeInNetns(
      t,
      await p2.netns('web2', 'dcos6'),
      `import { createServer } from 'node:net';
     createServer((c) => c.on('data', (d) => c.end(c.remoteAddress + ' ' + d))).listen(7003, ${JSON.stringify(a2!.ipv6)}, () => console.log('ready'));
     setTimeout(() => process.exit(0), 60000);`,
    );
    t.true(await untilTrue(() => Promise.resolve(server.out().includes('ready')), 10_000));
    const client = nodeInNetns(
      t,
      await p1.netns('web1', 'dcos6'),
      `import { connect } from 'node:net';
     const c = connect(7003, ${JSON.stringify(a2!.ipv6)}, () => c.write('hello6'));
     c.on('data', (d) => { console.log(String(d)); process.exit(0); });
     c.on('error', (e) => { console.log(e.code); process.exit(1); });
     setTimeout(() => { console.log('timeout'); process.exit(1); }, 5000);`,
    );
    await new Promise<void>((r) => client.once('exit', () => r()));
    t.is(client.out().trim(), `${a1!.ipv6} hello6`, 'TCP over IPv6 web1 -> web2 across hosts, source kept');

    const name = `web2.cni.containerip.${zone}`;
    const aaaa = () => resolveIn(topo.host(1).ns, topo.host(1).ip, name, 53, 6);
    t.true(
      await untilTrue(() => Promise.resolve(aaaa() === JSON.stringify([a2!.ipv6])), 15_000),
      `AAAA: ${aaaa()}`,
    );
    t.is(
      resolveIn(topo.host(1).ns, topo.host(1).ip, name, 53, 4),
      'ENODATA',
      'no A record: the task has no IPv4',
    );
  },
);
