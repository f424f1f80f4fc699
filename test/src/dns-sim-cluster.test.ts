import test from 'ava';
import { memoryLogger } from '@trellis/runtime';
import { Simulation, seedFromEnv } from '@trellis/sim';
import { startNode, WireCodec, type GossipNode } from '@trellis/node';
import { taskStore, type TasksApi } from '@trellis/tasks';
import { DnsServer } from '@trellis/dns';
import { resolve, type Resolution } from './helpers/dns-probe.js';

/**
 * Virtual Network Service DNS against a simulated cluster: 30 gossip nodes on the simulator
 * (10 % loss), a real DNS server per node fed by that node's task view, and node's resolver
 * asking them between simulation steps. Bounds are in virtual time, so they are exact.
 */
const zone = 'dcos.thisdcos.directory';
const graceMs = 10_000;
const n = 30;

const addr = (i: number) => `10.0.0.${i + 1}:7946`;

async function simCluster(seed: number) {
  const sim = new Simulation({ seed, network: { lossRate: 0.1 } });
  const nodes: GossipNode<{ tasks: TasksApi }>[] = [];
  const tasks = taskStore({ graceMs });
  const servers: DnsServer[] = [];
  for (let i = 0; i < n; i++) {
    const dns = new DnsServer({ host: '127.0.0.1', port: 0, zone });
    servers.push(dns);
    sim.addHost(addr(i), {
      onStart: (host) => {
        const node = startNode({
          id: `agent-${i}`,
          addr: host.localAddress,
          incarnation: host.now(),
          now: host.now(),
          rng: host.rng,
          profile: 'lan',
          stores: { tasks },
          transport: host,
          scheduler: host,
          codec: new WireCodec({}),
          envelopeReserveBytes: 2,
          logger: memoryLogger([], {}, 0),
          seeds: i === 0 ? [] : [addr(0)],
        });
        node.stores.tasks.on('changed', () => dns.update(node.stores.tasks.list()));
        nodes[i] = node;
      },
    });
  }
  const ports = await Promise.all(servers.map(async (s) => (await s.start()).port));
  return { sim, nodes, servers, ports };
}

test('names published on the simulated cluster resolve at every node; withdrawn and dead ones stop', async (t) => {
  t.timeout(120_000);
  const seed = seedFromEnv(900);
  t.log(`SEED=${seed}`);
  const { sim, nodes, servers, ports } = await simCluster(seed);
  t.teardown(() => Promise.all(servers.map((s) => s.close())));
  const at = (i: number, name: string, type: 'A' | 'AAAA' = 'A') =>
    resolve(ports[i]!, `${name}.${zone}`, type);
  const all = async (name: string, type: 'A' | 'AAAA' = 'A'): Promise<Resolution[]> =>
    Promise.all(ports.map((_, i) => at(i, name, type)));
  const uniform = (rs: Resolution[]) => new Set(rs.map((r) => JSON.stringify(r)));

  t.true(sim.runUntil(() => nodes.every((x) => x.liveMembers().length === n), { timeoutMs: 30_000 }));
  for (let i = 0; i < 10; i++)
    nodes[i]!.stores.tasks.publish({
      id: `task-${i}`,
      name: i < 5 ? 'web' : `worker-${i}`,
      framework: 'marathon',
      agentIp: `10.0.0.${i + 1}`,
      networks: i % 2 === 0 ? [{ name: 'dcos', ipv4: `9.0.${i}.2`, ipv6: `fd01:b::${i}:2` }] : [],
    });
  const published = sim.now;
  const visible = () => nodes.every((x) => x.stores.tasks.list().length === 10);
  t.true(sim.runUntil(visible, { timeoutMs: 10_000, checkEveryMs: 10 }));
  t.log(`10 tasks visible at all ${n} nodes ${sim.now - published} ms (virtual) after publishing`);
  t.true(sim.now - published <= 5000);

  // Every name form, at every node.
  t.deepEqual(
    [...uniform(await all('web.marathon.containerip'))],
    [JSON.stringify(['9.0.0.2', '9.0.2.2', '9.0.4.2'])],
  );
  t.deepEqual(
    [...uniform(await all('web.marathon.containerip', 'AAAA'))],
    // Canonical text: task 0's fd01:b::0:2 is served as fd01:b::2.
    [JSON.stringify(['fd01:b::2', 'fd01:b::2:2', 'fd01:b::4:2'])],
  );
  // autoip: container IPs where the task has one, else the agent IP (tasks 1 and 3 are host-network).
  t.deepEqual(
    [...uniform(await all('web.marathon.autoip'))],
    [JSON.stringify(['10.0.0.2', '10.0.0.4', '9.0.0.2', '9.0.2.2', '9.0.4.2'])],
  );
  t.deepEqual([...uniform(await all('worker-7.marathon.autoip'))], [JSON.stringify(['10.0.0.8'])]);
  t.deepEqual([...uniform(await all('worker-7.marathon.containerip'))], [JSON.stringify('NODATA')]);
  t.deepEqual([...uniform(await all('worker-6.marathon.agentip'))], [JSON.stringify(['10.0.0.7'])]);
  t.deepEqual([...uniform(await all('ghost.marathon.agentip'))], [JSON.stringify('NXDOMAIN')]);

  // Withdrawal: gone everywhere within 5 s (virtual).
  nodes[6]!.stores.tasks.withdraw('task-6');
  const withdrawn = sim.now;
  t.true(
    sim.runUntil(() => nodes.every((x) => !x.stores.tasks.list().some((e) => e.id === 'task-6')), {
      timeoutMs: 5000,
      checkEveryMs: 10,
    }),
  );
  t.log(`withdrawal applied at every node in ${sim.now - withdrawn} ms (virtual)`);
  t.deepEqual([...uniform(await all('worker-6.marathon.agentip'))], [JSON.stringify('NXDOMAIN')]);

  // Death: the crashed agent's task stays for the grace period, then stops resolving everywhere.
  sim.crash(addr(8));
  const crashed = sim.now;
  const others = ports.filter((_, i) => i !== 8);
  t.true(
    sim.runUntil(() => nodes.every((x, i) => i === 8 || x.member('agent-8')?.status === 'dead'), {
      timeoutMs: 60_000,
    }),
  );
  const deadAt = sim.now;
  t.log(`agent-8 dead everywhere ${deadAt - crashed} ms after the crash`);
  t.true(
    (await Promise.all(others.map((p) => resolve(p, `worker-8.marathon.autoip.${zone}`, 'A')))).every(
      (r) => JSON.stringify(r) === JSON.stringify(['9.0.8.2']),
    ),
    'still answered during the grace period',
  );
  t.true(
    sim.runUntil(
      () => nodes.every((x, i) => i === 8 || !x.stores.tasks.list().some((e) => e.id === 'task-8')),
      {
        timeoutMs: graceMs + 10_000,
        checkEveryMs: 10,
      },
    ),
  );
  t.log(`its task left every view ${sim.now - crashed} ms after the crash`);
  t.true(sim.now - crashed <= 30_000 + graceMs, 'within detection + grace');
  const after = await Promise.all(others.map((p) => resolve(p, `worker-8.marathon.autoip.${zone}`, 'A')));
  t.deepEqual([...uniform(after)], [JSON.stringify('NXDOMAIN')]);
});
