import test from 'ava';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Topology, isRoot, sh } from '../src/testing/netns.js';
import { fdb, identity, link, neighbors, programmedFor, tcpEcho } from '../src/testing/overlay-checks.js';
import { resolveIn, step } from './fixtures/e2e-steps.js';
import { call } from './fixtures/http-client.js';
import { e2eConfig } from './fixtures/e2e-config.js';

/**
 * The whole product on real kernels: three hosts as network namespaces on an underlay bridge,
 * a trellis-agent in each, a container namespace behind each host's m-dcos bridge, and real
 * TCP across the VXLAN overlay. Requires root (CI runs as root); everything it creates is
 * deleted in teardown, whatever happens.
 */
const bin = fileURLToPath(new URL('../src/bin/trellis-agent.js', import.meta.url));
const ov2 = { name: 'ov2', subnet: '10.77.0.0/16', vni: 1025, port: 64001, vtepSubnet: '44.129.0.0/24' };

/**
 * Host i's agent config: the shared end-to-end one (its API socket in the topology's directory,
 * never in /run), with DNS on 5353 and the HTTP API on TCP too.
 */
function config(dir: string, i: number, ip: string, overlays: object[]): object {
  return {
    ...e2eConfig(dir, i, ip, '192.168.77.1', overlays),
    dns: { port: 5353 },
    http: { socket: socketOf(dir, i), listen: '127.0.0.1:8124' },
  };
}

const socketOf = (dir: string, i: number) => join(dir, `h${i}.sock`);

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
    for (const i of [1, 2, 3]) topo.startAgent(i, bin, config(topo.dir, i, topo.host(i).ip, dcos));

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
    // Over host 2's socket, as a container runtime hook would; DNS listens on the underlay IP.
    const api2 = { socketPath: socketOf(topo.dir, 2) };
    const web = { name: 'web', framework: 'marathon', networks: [{ name: 'dcos', ipv4: ips[2] }] };
    t.is((await call(api2, 'PUT', '/v1/tasks/web.1', { body: web })).status, 201);
    const answers = (name: string) =>
      [1, 2, 3].map((i) => resolveIn(topo.host(i).ns, topo.host(i).ip, `${name}.${zone}`));
    await step(t, topo, '(h) containerip resolves at every agent', () =>
      answers('web.marathon.containerip').every((a) => a === JSON.stringify([ips[2]])),
    );
    t.deepEqual(answers('web.marathon.agentip'), Array(3).fill(JSON.stringify([topo.host(2).ip])));
    t.deepEqual(answers('web.marathon.autoip'), Array(3).fill(JSON.stringify([ips[2]])));
    t.is((await call(api2, 'DELETE', '/v1/tasks/web.1')).status, 204);
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
    topo.startAgent(1, bin, config(topo.dir, 1, topo.host(1).ip, dcos));
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
      topo.startAgent(i, bin, config(topo.dir, i, topo.host(i).ip, [...dcos, ov2]));
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
      topo.startAgent(i, bin, config(topo.dir, i, topo.host(i).ip, dcos));
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
    topo.startAgent(2, bin, config(topo.dir, 2, h2.ip, dcos));
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
      ...config(topo.dir, 1, topo.host(1).ip, dcos),
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
