import test from 'ava';
import ipaddr from 'ipaddr.js';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Topology, isRoot } from '../src/testing/netns.js';
import { PodmanHost, busyboxRootfs, podmanMissing } from '../src/testing/podman.js';
import { dockerAvailable, importBusybox, startDockerd, type Dockerd } from './fixtures/dockerd.js';
import { resolveIn, step } from './fixtures/e2e-steps.js';
import { call } from './fixtures/http-client.js';

/**
 * A dual-stack overlay (IPv4 and `subnet6`) on one host with real runtimes: a podman container
 * attached through the agent's conflist has an IPv6 address of the Mesos half's IPv6 range and a
 * default IPv6 route beside its IPv4 ones, and its AAAA `containerip` name answers at the agent;
 * a Docker container on the agent's Docker network gets its IPv6 address from the Docker half,
 * and its name answers AAAA too, and it reaches the podman container over IPv6 (routed by the
 * host between the two bridges). IPv6 across hosts (VTEP, neighbors, routes) is the kernel
 * end-to-end test's. Root only; everything made is removed.
 */
const bin = fileURLToPath(new URL('../src/bin/trellis-agent.js', import.meta.url));
const zone = 'dcos.thisdcos.directory';

function config(dir: string, ip: string, docker: string): object {
  return {
    nodeId: 'h1',
    bind: `${ip}:7946`,
    seeds: [],
    plaintext: true,
    identity: 'none',
    profile: 'local',
    underlay: { ip },
    overlays: [{ name: 'dcos', subnet: '9.0.0.0/8', subnet6: 'fd01:b::/64' }],
    enableIpForwarding: true,
    resyncIntervalMs: 2000,
    routes: { settleMs: 500, graceMs: 3000 },
    dns: {},
    http: { socket: join(dir, 'h1.sock') },
    stateDir: join(dir, 'h1'),
    cni: { binDir: join(dir, 'h1', 'bin'), confDir: join(dir, 'h1', 'net.d') },
    docker: { socket: docker, resyncIntervalMs: 2000 },
  };
}

interface LocalRoute {
  readonly mesosSubnet6: string;
  readonly dockerSubnet6: string;
}

const gap = !isRoot() ? 'it needs root' : !dockerAvailable() ? 'docker.io is missing' : podmanMissing();
const runs = gap === undefined ? test.serial : test.serial.skip;
if (gap !== undefined) console.log(`dual-stack-containers: skipped because ${gap} (CI has both, as root)`);

/** Whether `ip` lies in `cidr` (both IPv6). */
const inside = (ip: string, cidr: string) => ipaddr.parse(ip).match(ipaddr.parseCIDR(cidr));

runs(
  'a dual-stack overlay: podman and Docker containers get IPv6 addresses of their halves and AAAA names',
  async (t) => {
    t.timeout(180_000);
    const topo = new Topology(1);
    const made: { dockerd?: Dockerd; pod?: PodmanHost } = {};
    t.teardown(async () => {
      await made.pod?.removeAll();
      await made.dockerd?.stop();
      topo.destroy();
    });
    const h = topo.host(1);
    const dockerd = await startDockerd(h.ns, join(topo.dir, 'docker1'));
    made.dockerd = dockerd;
    const image = importBusybox(dockerd, topo.dir);
    const c = config(topo.dir, h.ip, dockerd.socket) as { cni: { binDir: string; confDir: string } };
    topo.startAgent(1, bin, c);
    const api = async (path: string) =>
      (await call({ socketPath: join(topo.dir, 'h1.sock') }, 'GET', path)).body;
    const ready = async () =>
      (
        (await api('/v1/cni/status').catch(() => undefined)) as
          { networks?: { ready: boolean }[] } | undefined
      )?.networks?.[0]?.ready === true;
    const deadline = Date.now() + 60_000;
    while (!(await ready()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    t.true(await ready(), 'slice settled, CNI ready');
    const route = ((await api('/v1/overlays')) as { local: { route: LocalRoute } }[])[0]!.local.route;
    const { mesosSubnet6, dockerSubnet6 } = route;

    const pod = new PodmanHost(
      h.ns,
      join(topo.dir, 'podman1'),
      busyboxRootfs(join(topo.dir, 'pod-root')),
      c.cni,
    );
    made.pod = pod;
    const started = await pod.start('web6', 'dcos');
    t.is(started.code, 0, started.stderr);
    const held = (await api('/v1/cni/allocations')) as { ipv6?: string; gateway6?: string }[];
    const ipv6 = held[0]?.ipv6 ?? '';
    t.true(inside(ipv6, mesosSubnet6), `${ipv6} in the Mesos half ${mesosSubnet6}`);
    const addr = await pod.exec('web6', 'ip -6 addr show dev eth0 scope global');
    t.true(addr.stdout.includes(`inet6 ${ipv6}/81`), `ip -6 addr in the container: ${addr.stdout}`);
    const routes = await pod.exec('web6', 'ip -6 route show default');
    t.regex(routes.stdout, new RegExp(`^default via ${held[0]!.gateway6} dev eth0`, 'm'), routes.stdout);
    const aaaa = (name: string) => resolveIn(h.ns, h.ip, `${name}.containerip.${zone}`, 53, 6);
    await step(
      t,
      topo,
      'AAAA of the podman container',
      () => aaaa('web6.cni') === JSON.stringify([ipv6]),
      20_000,
    );

    const network = (
      JSON.parse(dockerd.docker('network', 'inspect', 'dcos')) as {
        EnableIPv6: boolean;
        IPAM: { Config: { Subnet: string; Gateway: string }[] };
      }[]
    )[0]!;
    t.true(network.EnableIPv6, 'the Docker network has IPv6 on');
    const v6 = network.IPAM.Config.find((x) => x.Subnet.includes(':'));
    t.is(ipaddr.parseCIDR(v6?.Subnet ?? '::/0').toString(), ipaddr.parseCIDR(dockerSubnet6).toString());
    dockerd.docker('run', '-d', '--name', 'd6', '--network', 'dcos', image, 'sleep', '600');
    const dockerIpv6 = dockerd.docker(
      'inspect',
      'd6',
      '--format',
      '{{.NetworkSettings.Networks.dcos.GlobalIPv6Address}}',
    );
    t.true(inside(dockerIpv6, dockerSubnet6), `${dockerIpv6} in the Docker half ${dockerSubnet6}`);
    // On one host the two halves are routed between the bridges, whose gateways the bridge plugin
    // and Docker add: IPv6 from the Docker container to the podman one. DAD may hold the first packets.
    const ping = dockerd.docker('exec', 'd6', 'sh', '-c', `ping -6 -c 3 -W 10 ${ipv6} 2>&1 || true`);
    t.regex(ping, /[1-3] packets received/, ping);
    await step(
      t,
      topo,
      'AAAA of the Docker container',
      () => aaaa('d6.docker') === JSON.stringify([dockerIpv6]),
      30_000,
    );

    // Resyncs (every 2 s) find the network as Docker spells it equal to the spec: kept, not "busy".
    await new Promise((r) => setTimeout(r, 5000));
    const metrics = (await call({ socketPath: join(topo.dir, 'h1.sock') }, 'GET', '/metrics')).text;
    t.regex(metrics, /trellis_docker_networks_total\{change="created"\} 1\n/);
    t.regex(metrics, /trellis_docker_networks_total\{change="busy"\} 0\n/);
  },
);
