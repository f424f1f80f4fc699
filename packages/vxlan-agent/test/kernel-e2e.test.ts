import test, { type ExecutionContext } from 'ava';
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Topology, isRoot, sh, until } from '../src/testing/netns.js';
import { fdb, identity, link, neighbors, programmedFor, tcpEcho } from '../src/testing/overlay-checks.js';

/**
 * The whole product on real kernels: three hosts as network namespaces on an underlay bridge,
 * a trellis-agent in each, a container namespace behind each host's m-dcos bridge, and real
 * TCP across the VXLAN overlay. Requires root (CI runs as root); everything it creates is
 * deleted in teardown, whatever happens.
 */
const bin = fileURLToPath(new URL('../src/bin/trellis-agent.js', import.meta.url));
const ov2 = { name: 'ov2', subnet: '10.77.0.0/16', vni: 1025, port: 64001, vtepSubnet: '44.129.0.0/24' };

function config(i: number, ip: string, overlays: object[]): object {
  return {
    nodeId: `h${i}`,
    bind: `${ip}:7946`,
    seeds: i === 1 ? [] : ['192.168.77.1:7946'],
    plaintext: true,
    profile: 'local',
    underlay: { ip },
    overlays,
    enableIpForwarding: true,
    resyncIntervalMs: 2000,
    logLevel: 'debug',
    routes: { settleMs: 500, graceMs: 3000, reclaimMs: 60_000 },
    dns: { host: ip, port: 5353 },
  };
}

/** Runs an ES module snippet with this node binary inside a namespace; returns its stdout. */
function nodeIn(ns: string, code: string): string {
  return execFileSync('ip', ['netns', 'exec', ns, process.execPath, '--input-type=module', '-e', code], {
    encoding: 'utf8',
    timeout: 10_000,
  }).trim();
}

/** The agent's HTTP API inside its namespace (loopback there): the status code. */
function httpIn(ns: string, method: string, path: string, body?: object): number {
  const init = JSON.stringify(
    body === undefined
      ? { method }
      : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
  );
  return Number(
    nodeIn(ns, `const r = await fetch('http://127.0.0.1:8124${path}', ${init}); console.log(r.status);`),
  );
}

/** What a resolver in `ns` gets for an A query to the DNS server at `server`: addresses or an error code. */
function resolveIn(ns: string, server: string, name: string): string {
  return nodeIn(
    ns,
    `import { Resolver } from 'node:dns/promises';
     const r = new Resolver({ timeout: 500, tries: 1 });
     r.setServers([${JSON.stringify(`${server}:5353`)}]);
     try { console.log(JSON.stringify((await r.resolve4(${JSON.stringify(name)})).sort())); }
     catch (e) { console.log(e.code); }`,
  );
}

async function step(
  t: ExecutionContext,
  topo: Topology,
  what: string,
  check: () => boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const started = Date.now();
  const ok = await until(check, timeoutMs);
  if (!ok) {
    for (const h of topo.hosts)
      if (h !== undefined)
        t.log(
          `--- h${h.index} log\n${topo.logs(h.index)}\nfdb ${JSON.stringify(fdb(h.ns))}\nroutes ${sh('ip', '-n', h.ns, 'route', 'show', 'proto', '44')}`,
        );
  }
  t.log(`${what}: ${Date.now() - started} ms`);
  // Later phases build on this one: stop at the first failure.
  if (!ok) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
  t.pass(what);
}

const kernelTest = isRoot() ? test.serial : test.skip;
if (!isRoot())
  console.log('kernel-e2e: skipped because it needs root to create network namespaces (CI runs as root)');

kernelTest(
  'three hosts: programmed, traffic flows, failures, tampering, restarts, changes, a second overlay',
  async (t) => {
    t.timeout(240_000);
    const topo = new Topology(3);
    t.teardown(() => topo.destroy());
    const dcos = [{ name: 'dcos', subnet: '9.0.0.0/8' }];
    for (const i of [1, 2, 3]) topo.startAgent(i, bin, config(i, topo.host(i).ip, dcos));

    // (a) every host holds exactly the entries for the two others.
    await step(
      t,
      topo,
      '(a) each kernel holds the two others',
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
    const mtu = link(topo.host(1).ns, 'vtep1024').mtu;
    t.is(mtu, 1450, 'VTEP MTU = underlay 1500 - 50');
    t.regex(identity(topo, 1).mac, /^70:b3:d5:/);

    // (b) real TCP between containers on different hosts.
    const ips: string[] = [];
    for (const i of [1, 2, 3]) {
      const id = identity(topo, i);
      const [a, b, c, d] = id.gw.split('.').map(Number);
      const ip = `${a}.${b}.${c}.${d! + 1}`;
      ips[i] = ip;
      topo.attachContainer(i, 'm-dcos', `${ip}/25`, id.gw);
    }
    t.true(await tcpEcho(topo, 1, 2, ips[2]!), '(b) TCP c1 -> c2 over the overlay');
    t.true(await tcpEcho(topo, 3, 1, ips[1]!), '(b) TCP c3 -> c1 over the overlay');

    // (h) DNS: a task registered over HTTP on host 2 resolves at every agent's DNS server.
    const zone = 'dcos.thisdcos.directory';
    t.is(
      httpIn(topo.host(2).ns, 'PUT', '/v1/tasks/web.1', {
        name: 'web',
        framework: 'marathon',
        networks: [{ name: 'dcos', ipv4: ips[2] }],
      }),
      201,
    );
    const answers = (name: string) =>
      [1, 2, 3].map((i) => resolveIn(topo.host(i).ns, topo.host(i).ip, `${name}.${zone}`));
    await step(t, topo, '(h) containerip resolves at every agent', () =>
      answers('web.marathon.containerip').every((a) => a === JSON.stringify([ips[2]])),
    );
    t.deepEqual(answers('web.marathon.agentip'), Array(3).fill(JSON.stringify([topo.host(2).ip])));
    t.deepEqual(answers('web.marathon.autoip'), Array(3).fill(JSON.stringify([ips[2]])));
    t.is(httpIn(topo.host(2).ns, 'DELETE', '/v1/tasks/web.1'), 204);
    await step(t, topo, '(h) a removed task stops resolving everywhere', () =>
      answers('web.marathon.containerip').every((a) => a === 'ENOTFOUND'),
    );

    // (d) tampering is repaired within one resync.
    const peer2 = identity(topo, 2);
    sh('bridge', '-n', topo.host(1).ns, 'fdb', 'del', peer2.mac, 'dev', 'vtep1024', 'self');
    sh(
      'ip',
      '-n',
      topo.host(1).ns,
      'route',
      'add',
      '9.254.254.0/24',
      'via',
      peer2.vtepIp,
      'dev',
      'vtep1024',
      'onlink',
      'proto',
      '44',
    );
    await step(t, topo, '(d) tampering repaired', () => programmedFor(topo, 1, [2, 3]), 20_000);

    // (e) restarting an agent removes and re-adds nothing for unchanged peers.
    const monitor = spawn('ip', ['-n', topo.host(1).ns, 'monitor', 'neigh', 'route']);
    let events = '';
    monitor.stdout.on('data', (d: Buffer) => (events += d.toString()));
    t.is(await topo.stopAgent(1, 'SIGKILL'), null);
    topo.startAgent(1, bin, config(1, topo.host(1).ip, dcos));
    await step(
      t,
      topo,
      '(e) restarted agent back in the cluster',
      () => programmedFor(topo, 2, [1, 3]) && programmedFor(topo, 1, [2, 3]),
    );
    await new Promise((r) => setTimeout(r, 4000)); // two resync periods
    monitor.kill();
    const deleted = events.split('\n').filter((l) => l.startsWith('Deleted') && !l.includes('9.254.254.0'));
    t.deepEqual(deleted, [], '(e) no neighbor or route deleted across the restart');
    t.true(await tcpEcho(topo, 2, 1, ips[1]!), '(e) traffic still flows');

    // (g) a second overlay on the same hosts, then removing it removes only its own entries.
    // Config changes take a restart; SIGKILL, so the other overlay's routes are not withdrawn.
    for (const i of [1, 2, 3]) {
      await topo.stopAgent(i, 'SIGKILL');
      topo.startAgent(i, bin, config(i, topo.host(i).ip, [...dcos, ov2]));
    }
    await step(
      t,
      topo,
      '(g) ov2 programmed on every host',
      () =>
        [1, 2, 3].every((i) =>
          programmedFor(
            topo,
            i,
            [1, 2, 3].filter((p) => p !== i),
            'vtep1025',
            'm-ov2',
          ),
        ),
      30_000,
    );
    const dcosBefore = JSON.stringify(
      [1, 2, 3].map((i) => [neighbors(topo.host(i).ns), fdb(topo.host(i).ns)]),
    );
    for (const i of [1, 2, 3]) {
      await topo.stopAgent(i, 'SIGKILL');
      topo.startAgent(i, bin, config(i, topo.host(i).ip, dcos));
    }
    await step(t, topo, '(g) ov2 removed everywhere', () =>
      [1, 2, 3].every((i) => !sh('ip', '-n', topo.host(i).ns, 'link', 'show').includes('vtep1025')),
    );
    await step(t, topo, '(g) dcos untouched', () =>
      [1, 2, 3].every((i) =>
        programmedFor(
          topo,
          i,
          [1, 2, 3].filter((p) => p !== i),
        ),
      ),
    );
    t.is(
      JSON.stringify([1, 2, 3].map((i) => [neighbors(topo.host(i).ns), fdb(topo.host(i).ns)])),
      dcosBefore,
    );

    // (f) host 2 moves to a new underlay IP: nobody keeps an entry pointing at the old one.
    await topo.stopAgent(2, 'SIGKILL');
    const h2 = topo.host(2);
    // Delete first: removing a primary address also removes its secondaries.
    sh('ip', '-n', h2.ns, 'addr', 'del', '192.168.77.2/24', 'dev', 'eth0');
    sh('ip', '-n', h2.ns, 'addr', 'add', '192.168.77.22/24', 'dev', 'eth0');
    h2.ip = '192.168.77.22';
    topo.startAgent(2, bin, config(2, h2.ip, dcos));
    await step(
      t,
      topo,
      '(f) new underlay IP everywhere, old one nowhere',
      () =>
        programmedFor(topo, 1, [2, 3]) &&
        programmedFor(topo, 3, [1, 2]) &&
        [1, 3].every((i) => fdb(topo.host(i).ns).every((e) => e.dst !== '192.168.77.2')),
      30_000,
    );
    t.true(await tcpEcho(topo, 1, 2, ips[2]!), '(f) traffic follows the move');

    // (f) host 1 changes its VTEP MAC: the new MAC everywhere, the old one nowhere.
    const oldMac = identity(topo, 1).mac;
    await topo.stopAgent(1, 'SIGKILL');
    topo.startAgent(1, bin, {
      ...config(1, topo.host(1).ip, dcos),
      vtep: { dcos: { mac: '70:b3:d5:aa:bb:01' } },
    });
    await step(
      t,
      topo,
      '(f) new VTEP MAC everywhere, old one nowhere',
      () =>
        identity(topo, 1).mac === '70:b3:d5:aa:bb:01' &&
        programmedFor(topo, 2, [1, 3]) &&
        programmedFor(topo, 3, [1, 2]) &&
        [2, 3].every(
          (i) =>
            fdb(topo.host(i).ns).every((e) => e.mac !== oldMac) &&
            neighbors(topo.host(i).ns).every((n) => n.lladdr !== oldMac),
        ),
      30_000,
    );
    t.true(await tcpEcho(topo, 2, 1, ips[1]!), '(f) traffic follows the new MAC');

    // (c) SIGKILL host 3's agent and remove the host: the others drop it after the grace period.
    await topo.stopAgent(3, 'SIGKILL');
    topo.removeHost(3);
    await step(
      t,
      topo,
      '(c) host 3 dropped by the others',
      () => programmedFor(topo, 1, [2]) && programmedFor(topo, 2, [1]),
      40_000,
    );
    t.true(await tcpEcho(topo, 1, 2, ips[2]!), '(c) the remaining two keep talking');

    // SIGTERM: graceful leave, exit 0.
    t.is(await topo.stopAgent(2, 'SIGTERM'), 0);
    await step(
      t,
      topo,
      'graceful leave withdraws host 2 from host 1 at once',
      () => programmedFor(topo, 1, []),
      10_000,
    );
    t.is(await topo.stopAgent(1, 'SIGTERM'), 0);
  },
);
