/**
 * npm run demo:netns — three hosts as network namespaces on an underlay bridge, a trellis-agent
 * in each, a container namespace behind each host's m-dcos bridge, real TCP across the VXLAN
 * overlay, podman containers attached through CNI when podman is installed, then one host
 * killed and dropped by the others. Needs root; cleans up at exit.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  Topology,
  identity,
  isRoot,
  neighbors,
  fdb,
  routes,
  programmedFor,
  tcpEcho,
  until,
  PodmanHost,
  busyboxRootfs,
  podmanMissing,
} from '@trellis/vxlan-agent/testing';

const bin = createRequire(import.meta.url)
  .resolve('@trellis/vxlan-agent')
  .replace(/index\.js$/, 'bin/trellis-agent.js');
const say = (s: string): void => void process.stdout.write(`${s}\n`);

/** The agent's own tools, as an operator runs them: trellis-agent <args>. */
const tool = (args: readonly string[]): string =>
  execFileSync(process.execPath, [bin, ...args], { encoding: 'utf8' }).trim();

/**
 * What an operator makes before starting a cluster: one CA (its key stays with the operator), a
 * certificate per host, and one keyring every host shares (files 0600).
 */
function credentials(dir: string): void {
  tool(['ca', 'init', '--dir', join(dir, 'ca')]);
  for (const i of [1, 2, 3])
    tool(['cert', 'issue', '--ca', join(dir, 'ca'), '--id', `h${i}`, '--out', join(dir, `h${i}-id`)]);
  tool(['keygen', '--out', join(dir, 'keyring.json')]);
}

/** Host i's agent config; its API socket goes in the topology's directory, not /run/trellis. */
function config(dir: string, i: number, ip: string): object {
  return {
    nodeId: `h${i}`,
    bind: `${ip}:7946`,
    seeds: i === 1 ? [] : ['192.168.77.1:7946'],
    keyringFile: join(dir, 'keyring.json'),
    identity: {
      keyFile: join(dir, `h${i}-id`, 'node.key'),
      certificateFile: join(dir, `h${i}-id`, 'node.cert.json'),
      caFiles: [join(dir, 'ca', 'ca.pub')],
    },
    profile: 'local',
    underlay: { ip },
    overlays: [{ name: 'dcos', subnet: '9.0.0.0/8' }],
    enableIpForwarding: true,
    resyncIntervalMs: 5000,
    routes: { settleMs: 500, graceMs: 3000 },
    http: { socket: join(dir, `h${i}.sock`) },
    dns: {},
    stateDir: join(dir, `h${i}`),
    cni: { binDir: join(dir, `h${i}`, 'bin'), confDir: join(dir, `h${i}`, 'net.d') },
  };
}

/** Real containers on the overlay when podman is installed: addresses, TCP and DNS through CNI. */
async function containers(topo: Topology): Promise<void> {
  const missing = podmanMissing();
  if (missing !== undefined) {
    say(
      `  skipped: ${missing}; apt-get install podman runc containernetworking-plugins busybox-static nftables`,
    );
    return;
  }
  const rootfs = busyboxRootfs(topo.dir);
  const hosts = [1, 2].map((i) => {
    const own = join(topo.dir, `h${i}`);
    return new PodmanHost(topo.host(i).ns, join(topo.dir, `podman${i}`), rootfs, {
      binDir: join(own, 'bin'),
      confDir: join(own, 'net.d'),
    });
  });
  try {
    for (const [i, h] of hosts.entries()) {
      // web2 answers one line on port 7000, again and again.
      const serve = ['/bin/sh', '-c', 'while true; do echo hello from web2 | nc -l -p 7000; done'];
      const r = await h.start(`web${i + 1}`, 'dcos', ...(i === 1 ? serve : []));
      if (r.code !== 0) throw new Error(`podman run on h${i + 1}: ${r.stderr.trim()}`);
      say(`  h${i + 1}: podman run --network dcos web${i + 1} -> ${await h.address(`web${i + 1}`, 'dcos')}`);
    }
    const ip2 = await hosts[1]!.address('web2', 'dcos');
    const name = 'web2.cni.containerip.dcos.thisdcos.directory';
    for (let tries = 0; tries < 40; tries++) {
      const r = await hosts[0]!.exec('web1', `nslookup ${name} ${topo.host(1).ip}`);
      if (r.stdout.includes(ip2)) {
        say(`  web1: ${name} -> ${ip2} (the DNS server of its CNI result)`);
        break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const tcp = await hosts[0]!.exec('web1', `nc -w 3 ${ip2} 7000 </dev/null`);
    say(`  web1 -> web2:7000 across the overlay: ${tcp.stdout.trim() || 'FAILED'}`);
  } finally {
    for (const h of hosts) await h.removeAll();
  }
}

async function main(): Promise<number> {
  if (!isRoot()) {
    say('npm run demo:netns needs root: it creates network namespaces, veth pairs and VXLAN devices.');
    return 1;
  }
  say('[1/6] three hosts as network namespaces on an underlay bridge (192.168.77.0/24)');
  const topo = new Topology(3);
  const cleanup = (): void => topo.destroy();
  process.once('SIGINT', () => {
    cleanup();
    process.exit(130);
  });
  try {
    credentials(topo.dir);
    say(
      '  a cluster CA, a certificate per host and a shared keyring (trellis-agent ca init, cert issue, keygen)',
    );
    for (const i of [1, 2, 3]) {
      topo.startAgent(i, bin, config(topo.dir, i, topo.host(i).ip));
      say(`  h${i}: ${topo.host(i).ip}, trellis-agent started (namespace ${topo.host(i).ns})`);
    }
    say('[2/6] agents gossip, claim /24 slices of 9.0.0.0/8 and program their kernels');
    const t0 = Date.now();
    const ok = await until(
      () =>
        [1, 2, 3].every((i) =>
          programmedFor(
            topo,
            i,
            [1, 2, 3].filter((p) => p !== i),
          ),
        ),
      60_000,
    );
    if (!ok) throw new Error('the kernels were not programmed within 60 s');
    say(`  every host holds the entries for the two others after ${Date.now() - t0} ms`);
    for (const i of [1, 2, 3]) {
      const id = identity(topo, i);
      say(`  h${i}: slice ${id.subnet}, vtep1024 ${id.vtepIp} ${id.mac}`);
      const ns = topo.host(i).ns;
      for (const n of neighbors(ns)) say(`      neigh ${n.dst} lladdr ${n.lladdr} PERMANENT`);
      for (const f of fdb(ns)) say(`      fdb   ${f.mac} dst ${f.dst ?? '?'} self permanent`);
      for (const r of routes(ns)) say(`      route ${r.dst} via ${r.gateway} dev ${r.dev} onlink proto 44`);
    }
    say('[3/6] a "container" namespace on each host, addressed from its m-dcos half');
    const ips: string[] = [];
    for (const i of [1, 2, 3]) {
      const id = identity(topo, i);
      const [a, b, c, d] = id.gw.split('.').map(Number);
      // The top of the half, by hand: podman's containers get theirs from the bottom, by CNI.
      ips[i] = `${a}.${b}.${c}.${d! + 125}`;
      topo.attachContainer(i, 'm-dcos', `${ips[i]}/25`, id.gw);
      say(`  c${i}: ${ips[i]} via ${id.gw}`);
    }
    say('[4/6] real TCP between containers on different hosts, across VXLAN');
    for (const [from, to] of [
      [1, 2],
      [2, 3],
      [3, 1],
    ] as const) {
      const echoed = await tcpEcho(topo, from, to, ips[to]!);
      say(`  c${from} -> c${to} (${ips[to]}): ${echoed ? 'ok' : 'FAILED'}`);
      if (!echoed) throw new Error(`TCP c${from} -> c${to} failed`);
    }
    say('[5/6] containers with a real runtime: podman over CNI (the trellis IPAM plugin)');
    await containers(topo);
    say('[6/6] SIGKILL h3 and remove the host: h1 and h2 drop it after the grace period');
    await topo.stopAgent(3, 'SIGKILL');
    topo.removeHost(3);
    const t1 = Date.now();
    if (!(await until(() => programmedFor(topo, 1, [2]) && programmedFor(topo, 2, [1]), 60_000)))
      throw new Error('h3 was not dropped within 60 s');
    say(`  h3's neighbor, FDB entry and route are gone from h1 and h2 after ${Date.now() - t1} ms`);
    say(`  c1 -> c2 still: ${(await tcpEcho(topo, 1, 2, ips[2]!)) ? 'ok' : 'FAILED'}`);
    for (const i of [2, 1]) await topo.stopAgent(i, 'SIGTERM');
    say('done: agents stopped with SIGTERM (graceful leave); namespaces removed');
    return 0;
  } finally {
    cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`netns demo failed: ${(error as Error).message}\n`);
    process.exit(1);
  },
);
