import test from 'ava';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Topology, isRoot, sh } from '../src/testing/netns.js';
import { call } from './fixtures/http-client.js';
import { nodeInNetns, untilTrue } from './fixtures/netns-node.js';
import { resolveIn } from './fixtures/e2e-steps.js';
import { nftBinary } from '../src/egress/nft-egress.js';
import { PodmanHost, busyboxRootfs, podmanMissing } from '../src/testing/podman.js';

/**
 * Containers on the overlay with a real runtime: two hosts (network namespaces on an underlay
 * bridge), a trellis-agent in each with CNI on, podman on each running busybox containers
 * through the agent's conflist (the standard bridge plugin over the trellis IPAM plugin).
 * Root only; every namespace, container, process and file it makes is removed in teardown.
 */
const bin = fileURLToPath(new URL('../src/bin/trellis-agent.js', import.meta.url));
const zone = 'dcos.thisdcos.directory';
const tiny = {
  name: 'tiny',
  subnet: '10.9.0.0/16',
  prefixLength: 29,
  vni: 1025,
  port: 64001,
  vtepSubnet: '44.129.0.0/24',
};

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
    // dcos is dual-stack: containers get an IPv6 address too, and talk IPv6 across the overlay.
    overlays: [{ name: 'dcos', subnet: '9.0.0.0/8', subnet6: 'fd01:b::/64' }, tiny],
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
  console.log(`cni-podman: skipped because ${missing} (CI installs podman and runs as root)`);

/** Answers every line with the peer's address: who the server saw connecting. */
const echoServer = (host: string, port: number) => `
  import { createServer } from 'node:net';
  createServer((c) => { c.on('error', () => {}); c.on('data', (d) => c.write(c.remoteAddress + ' ' + d)); })
    .listen(${port}, ${JSON.stringify(host)}, () => console.log('ready'));
  setTimeout(() => process.exit(0), 170000);`;

/** One connection held for `ms`, a line every 100 ms; prints what came back and any error. */
const heldClient = (host: string, port: number, ms: number) => `
  import { connect } from 'node:net';
  let sent = 0, got = 0;
  const c = connect(${port}, ${JSON.stringify(host)}, () => {
    const iv = setInterval(() => { c.write('x\\n'); sent++; }, 100);
    setTimeout(() => { clearInterval(iv); setTimeout(() => { console.log(JSON.stringify({ sent, got })); process.exit(0); }, 500); }, ${ms});
  });
  c.on('data', (d) => (got += String(d).split('\\n').filter(Boolean).length));
  c.on('error', (e) => { console.log(JSON.stringify({ error: e.code, sent, got })); process.exit(1); });`;

/** Sends one line, prints the answer (or the error code), exits. */
const oneLine = (host: string, port: number, line: string) => `
  import { connect } from 'node:net';
  const c = connect(${port}, ${JSON.stringify(host)}, () => c.write(${JSON.stringify(line)}));
  c.on('data', (d) => { console.log(String(d)); process.exit(0); });
  c.on('error', (e) => { console.log(e.code); process.exit(1); });
  setTimeout(() => { console.log('timeout'); process.exit(1); }, 5000);`;

podmanTest(
  'podman containers on two hosts: addresses, TCP over IPv4 and IPv6, A and AAAA, release, restart, exhaustion, egress',
  async (t) => {
    t.timeout(170_000);
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
    const status = async (i: number) =>
      (
        (await api(i, '/v1/cni/status')).body as {
          networks: { network: string; half: string | null; ready: boolean }[];
        }
      ).networks;
    t.true(
      await untilTrue(
        async () => (await Promise.all([status(1), status(2)])).every((n) => n.every((x) => x.ready)),
        60_000,
      ),
      'slices settled',
    );
    const halves = await Promise.all([status(1), status(2)]);
    const half = (i: number) => halves[i - 1]!.find((n) => n.network === 'dcos')!.half!;

    // Containers get addresses from their own agent's Mesos half.
    for (const [p, name] of [
      [p1, 'web1'],
      [p2, 'web2'],
    ] as const) {
      const r = await p.start(name, 'dcos');
      t.is(r.code, 0, r.stderr);
    }
    const ip1 = await p1.address('web1', 'dcos');
    const ip2 = await p2.address('web2', 'dcos');
    const inHalf = (ip: string, cidr: string) =>
      ip.split('.').slice(0, 3).join('.') === cidr.split('.').slice(0, 3).join('.');
    t.true(inHalf(ip1, half(1)) && Number(ip1.split('.')[3]) < 128, `web1 ${ip1} in ${half(1)}`);
    t.true(inHalf(ip2, half(2)), `web2 ${ip2} in ${half(2)}`);

    // TCP across the overlay, and the server sees the client's own address (no NAT between overlays).
    const ns2 = await p2.netns('web2', 'dcos');
    const server = nodeInNetns(t, ns2, echoServer(ip2, 7001));
    t.true(await untilTrue(() => Promise.resolve(server.out().includes('ready')), 10_000));
    const tcp = await p1.exec('web1', `echo hello | nc -w 3 ${ip2} 7001`);
    t.is(tcp.stdout.trim(), `${ip1} hello`, 'TCP web1 -> web2 over the overlay, source kept');

    // The same over IPv6: each container's IPv6 address from its agent, TCP across the VXLAN
    // overlay's IPv6 routes, and web2's AAAA name at host 1 (Node's resolver).
    const ipv6Of = async (i: number) =>
      ((await api(i, '/v1/cni/allocations')).body as { network: string; ipv6?: string }[]).find(
        (a) => a.network === 'dcos',
      )?.ipv6 ?? '';
    const [v6a, v6b] = [await ipv6Of(1), await ipv6Of(2)];
    t.regex(v6a, /^fd01:b:/);
    const server6 = nodeInNetns(t, ns2, echoServer(v6b, 7003));
    t.true(await untilTrue(() => Promise.resolve(server6.out().includes('ready')), 10_000));
    const client6 = nodeInNetns(t, await p1.netns('web1', 'dcos'), oneLine(v6b, 7003, 'hello6'));
    await new Promise<void>((r) => client6.once('exit', () => r()));
    t.is(client6.out().trim(), `${v6a} hello6`, 'TCP over IPv6 web1 -> web2 across hosts, source kept');
    const aaaa = () => resolveIn(topo.host(1).ns, topo.host(1).ip, `web2.cni.containerip.${zone}`, 53, 6);
    t.true(
      await untilTrue(() => Promise.resolve(aaaa() === JSON.stringify([v6b])), 15_000),
      `AAAA: ${aaaa()}`,
    );

    // DNS: web1 resolves web2's containerip name at the server its CNI result names.
    const dns = (await p1.cniResult('web1', 'dcos')).dns;
    t.deepEqual(dns?.nameservers, [topo.host(1).ip]);
    t.deepEqual(dns?.search, [zone]);
    const lookup = () => p1.exec('web1', `nslookup web2.cni.containerip.${zone} ${dns!.nameservers![0]}`);
    t.true(
      await untilTrue(async () => (await lookup()).stdout.includes(`Address: ${ip2}`), 15_000),
      'web2 resolves at host 1',
    );

    // Egress: web1 reaches an underlay address, which sees host 1's address (masquerade).
    const under = nodeInNetns(t, `/run/netns/${topo.host(2).ns}`, echoServer(topo.host(2).ip, 7002));
    t.true(await untilTrue(() => Promise.resolve(under.out().includes('ready')), 10_000));
    const out = await p1.exec('web1', `echo out | nc -w 3 ${topo.host(2).ip} 7002`);
    if (!out.stdout.includes(topo.host(1).ip))
      t.log(sh('ip', 'netns', 'exec', topo.host(1).ns, nftBinary(), 'list', 'ruleset'), topo.logs(1));
    t.is(out.stdout.trim(), `${topo.host(1).ip} out`, 'masqueraded to the underlay');

    // An agent restart (SIGKILL: routes stay) with containers running keeps every address and the connection.
    const ns1 = await p1.netns('web1', 'dcos');
    const held = nodeInNetns(t, ns1, heldClient(ip2, 7001, 9000));
    await new Promise((r) => setTimeout(r, 1000));
    t.is(await topo.stopAgent(1, 'SIGKILL'), null);
    topo.startAgent(1, bin, config(topo.dir, 1, topo.host(1).ip));
    t.true(
      await untilTrue(async () => (await status(1)).every((n) => n.ready), 30_000),
      'host 1 back, slices settled',
    );
    t.is((await status(1)).find((n) => n.network === 'dcos')!.half, half(1), 'the same slice');
    await new Promise<void>((r) => held.once('exit', () => r()));
    const kept = JSON.parse(held.out().trim()) as { sent: number; got: number; error?: string };
    t.is(kept.error, undefined, 'the connection survived the restart');
    t.is(kept.got, kept.sent, 'every line answered');
    const again = await p1.start('web3', 'dcos');
    t.is(again.code, 0, again.stderr);
    const ip3 = await p1.address('web3', 'dcos');
    t.not(ip3, ip1, 'a new container never gets an address in use');
    t.is(await p1.address('web1', 'dcos'), ip1);

    // podman rm releases the address and the name.
    t.is((await p2.podman('rm', '-f', '-t', '0', 'web2')).code, 0);
    const held2 = (await api(2, '/v1/cni/allocations')).body as { containerId: string }[];
    t.deepEqual(held2, [], 'host 2 holds no address');
    t.true(await untilTrue(async () => !(await lookup()).stdout.includes(ip2), 15_000), 'the name is gone');

    // A small half (one address: /29 slices) fills up and the next podman run fails with the message.
    t.is((await p1.start('t1', 'tiny')).code, 0);
    const full = await p1.start('t2', 'tiny');
    t.not(full.code, 0);
    const tinyHalf = (await status(1)).find((n) => n.network === 'tiny')!.half!;
    t.true(
      full.stderr.includes(
        `overlay tiny: no free container address on agent h1: all 1 addresses of its Mesos half ${tinyHalf} are allocated`,
      ),
      full.stderr,
    );
  },
);
