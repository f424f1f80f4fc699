import test from 'ava';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Topology, isRoot, sh } from '../src/testing/netns.js';
import { existsSync } from 'node:fs';
import { programmedFor } from '../src/testing/overlay-checks.js';
import { PodmanHost, busyboxRootfs, podmanMissing } from '../src/testing/podman.js';
import { dockerAvailable, importBusybox, startDockerd, type Dockerd } from './fixtures/dockerd.js';
import { resolveIn, step } from './fixtures/e2e-steps.js';
import { call } from './fixtures/http-client.js';

/**
 * Docker's half with a real Docker daemon: two hosts as namespaces, dockerd inside h1's
 * (`--iptables=false --bridge=none`), an agent on each. h1's agent keeps the `dcos` Docker network
 * on `d-dcos` with its Docker half; `docker run --network dcos` gets a task record that h2
 * resolves; a podman container on h2 (through h2's CNI conflist) and the Docker container talk TCP
 * both ways across VXLAN and resolve each other's names; stopping
 * the container withdraws the name; the network survives an agent restart unchanged; the agent
 * outlives a Docker restart. Everything it starts is stopped by pid, every namespace deleted.
 */
const bin = fileURLToPath(new URL('../src/bin/trellis-agent.js', import.meta.url));
const zone = 'dcos.thisdcos.directory';

function config(dir: string, i: number, ip: string, docker?: string, seeds?: string[]): object {
  // Host 2 runs podman through the agent's CNI conflist; its containers resolve at port 53.
  const cni = i === 2 ? { cni: { binDir: join(dir, 'h2', 'bin'), confDir: join(dir, 'h2', 'net.d') } } : {};
  return {
    nodeId: `h${i}`,
    bind: `${ip}:7946`,
    seeds: seeds ?? (i === 1 ? [] : ['192.168.77.1:7946']),
    plaintext: true,
    identity: 'none',
    profile: 'local',
    underlay: { ip },
    // dcos6 is IPv6-only (DC/OS's): Docker 20.10 cannot make its network, which is reported.
    overlays: [
      { name: 'dcos', subnet: '9.0.0.0/8' },
      { name: 'dcos6', subnet6: 'fd01:b::/64', vni: 1025 },
    ],
    enableIpForwarding: true,
    resyncIntervalMs: 2000,
    routes: { settleMs: 500, graceMs: 3000 },
    dns: { port: i === 2 ? 53 : 5353 },
    http: { socket: join(dir, `h${i}.sock`) },
    stateDir: join(dir, `h${i}`),
    ...cni,
    ...(docker === undefined ? {} : { docker: { socket: docker, resyncIntervalMs: 2000 } }),
  };
}

interface NetworkView {
  readonly Id: string;
  readonly IPAM: { Config: { Subnet: string; Gateway: string }[] };
  readonly Options: Record<string, string>;
}

const podmanGap = isRoot() ? podmanMissing() : undefined;
const runs = isRoot() && dockerAvailable() && podmanGap === undefined ? test.serial : test.serial.skip;
if (!isRoot()) console.log('docker-e2e: skipped because it needs root (CI runs as root)');
else if (!dockerAvailable())
  console.log(
    'docker-e2e: skipped because docker.io and busybox-static are missing (apt-get install docker.io busybox-static)',
  );
else if (podmanGap !== undefined) console.log(`docker-e2e: skipped because ${podmanGap}`);

runs(
  'docker run --network dcos: an address from the Docker half, a name at every agent, TCP across VXLAN',
  async (t) => {
    t.timeout(240_000);
    const topo = new Topology(2);
    let dockerd: Dockerd | undefined;
    const pods: PodmanHost[] = [];
    t.teardown(async () => {
      for (const p of pods) await p.removeAll();
      await dockerd?.stop();
      topo.destroy();
    });
    dockerd = await startDockerd(topo.host(1).ns, join(topo.dir, 'docker1'));
    const image = importBusybox(dockerd, topo.dir);
    // As an earlier run would have left it while dcos6 still had IPv4: ours, empty, to be removed.
    dockerd.docker(
      'network',
      'create',
      '--label',
      'trellis.overlay=dcos6',
      '--subnet',
      '10.99.0.0/24',
      'dcos6',
    );
    topo.startAgent(1, bin, config(topo.dir, 1, topo.host(1).ip, dockerd.socket));
    topo.startAgent(2, bin, config(topo.dir, 2, topo.host(2).ip));
    await step(
      t,
      topo,
      'kernels programmed',
      () => programmedFor(topo, 1, [2]) && programmedFor(topo, 2, [1]),
      60_000,
    );

    const docker = dockerd.docker;
    const inspect = (): NetworkView | undefined => {
      try {
        return (JSON.parse(docker('network', 'inspect', 'dcos')) as NetworkView[])[0];
      } catch {
        return undefined;
      }
    };
    const overlays = (await call({ socketPath: join(topo.dir, 'h1.sock') }, 'GET', '/v1/overlays')).body as {
      local: { route: { dockerSubnet: string } };
    }[];
    const half = overlays[0]!.local.route.dockerSubnet;
    await step(t, topo, 'the dcos Docker network exists', () => inspect() !== undefined, 30_000);
    const network = inspect()!;
    t.is(network.IPAM.Config[0]?.Subnet, half, "the network's subnet is h1's Docker half");
    t.is(network.Options['com.docker.network.bridge.name'], 'd-dcos');
    t.is(network.Options['com.docker.network.bridge.enable_ip_masquerade'], 'false');
    t.is(network.Options['com.docker.network.driver.mtu'], '1450');
    t.true(
      await metricReads(topo.dir, /trellis_docker_networks_total\{change="unsupported"\} 1/, 10_000),
      'the IPv6-only overlay is counted as unsupported',
    );
    await step(t, topo, 'the leftover dcos6 network removed', () => {
      try {
        docker('network', 'inspect', 'dcos6');
        return false;
      } catch {
        return true;
      }
    });
    t.regex(
      sh('ip', '-n', topo.host(1).ns, '-br', 'addr', 'show', 'd-dcos'),
      new RegExp(network.IPAM.Config[0]!.Gateway),
    );

    docker(
      'run',
      '-d',
      '--name',
      'web1',
      '--network',
      'dcos',
      '--label',
      'trellis.task=web',
      '--label',
      'trellis.framework=shop',
      image,
      'sh',
      '-c',
      'while true; do nc -l -p 7000 -e cat; done',
    );
    const ip = docker('inspect', 'web1', '--format', '{{.NetworkSettings.Networks.dcos.IPAddress}}');
    const answer = () => resolveIn(topo.host(2).ns, topo.host(2).ip, `web.shop.containerip.${zone}`, 53);
    await step(t, topo, 'h2 resolves the Docker container', () => answer() === JSON.stringify([ip]), 30_000);

    // A podman container on h2, attached through h2's CNI conflist, and the Docker container on
    // h1: TCP both ways across VXLAN, and each side's name resolves at the other.
    await step(
      t,
      topo,
      "h2's conflist",
      () => existsSync(join(topo.dir, 'h2', 'net.d', 'dcos.conflist')),
      30_000,
    );
    const p2 = new PodmanHost(
      topo.host(2).ns,
      join(topo.dir, 'podman2'),
      busyboxRootfs(join(topo.dir, 'pod-root')),
      {
        binDir: join(topo.dir, 'h2', 'bin'),
        confDir: join(topo.dir, 'h2', 'net.d'),
      },
    );
    pods.push(p2);
    const started = await p2.start(
      'pod2',
      'dcos',
      '/bin/sh',
      '-c',
      'while true; do nc -l -p 7001 -e echo from-pod; done',
    );
    t.is(started.code, 0, started.stderr);
    const podIp = await p2.address('pod2', 'dcos');
    const fromPod = await p2.exec('pod2', `echo pod-to-docker | nc -w 3 ${ip} 7000`);
    t.is(
      fromPod.stdout.trim(),
      'pod-to-docker',
      'TCP from the podman container on h2 to the Docker container on h1',
    );
    const fromDocker = docker('exec', 'web1', 'sh', '-c', `echo x | nc -w 3 ${podIp} 7001`);
    t.is(fromDocker, 'from-pod', 'TCP from the Docker container on h1 to the podman container on h2');
    const nameserver = (await p2.cniResult('pod2', 'dcos')).dns?.nameservers?.[0];
    t.is(nameserver, topo.host(2).ip, "the podman container's DNS server is its agent");
    const podLookup = await p2.exec('pod2', `nslookup web.shop.containerip.${zone} ${nameserver}`);
    t.true(
      podLookup.stdout.includes(`Address: ${ip}`),
      `the podman container resolves the Docker one: ${podLookup.stdout}`,
    );
    await step(
      t,
      topo,
      'h1 resolves the podman container',
      () =>
        resolveIn(topo.host(1).ns, topo.host(1).ip, `pod2.cni.containerip.${zone}`) ===
        JSON.stringify([podIp]),
      30_000,
    );

    docker('stop', '-t', '1', 'web1');
    await step(t, topo, 'a stopped container loses its name', () => answer() === 'ENOTFOUND', 30_000);

    await topo.stopAgent(1, 'SIGTERM');
    // Back through h2: the restarted seed must find the cluster it founded.
    topo.startAgent(1, bin, config(topo.dir, 1, topo.host(1).ip, dockerd.socket, ['192.168.77.2:7946']));
    await step(t, topo, 'h1 back', () => programmedFor(topo, 2, [1]), 60_000);
    await new Promise((r) => setTimeout(r, 3000));
    t.is(inspect()?.Id, network.Id, 'the network is left alone across an agent restart');

    await dockerd.stop({ keep: true });
    t.true(await metricReads(topo.dir, /trellis_docker_up 0/, 20_000), 'Docker down is reported');
    t.is(topo.agent(1)?.exitCode, null, 'the agent outlives its Docker daemon');
    dockerd = await startDockerd(topo.host(1).ns, join(topo.dir, 'docker1'));
    dockerd.docker('start', 'web1');
    const ip2 = dockerd.docker('inspect', 'web1', '--format', '{{.NetworkSettings.Networks.dcos.IPAddress}}');
    await step(
      t,
      topo,
      'after a Docker restart the container is named again',
      () => answer() === JSON.stringify([ip2]),
      30_000,
    );
    t.true(await metricReads(topo.dir, /trellis_docker_up 1/, 10_000), 'Docker up again');
  },
);

/** Polls h1's /metrics until `re` matches. */
async function metricReads(dir: string, re: RegExp, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (re.test((await call({ socketPath: join(dir, 'h1.sock') }, 'GET', '/metrics')).text)) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}
