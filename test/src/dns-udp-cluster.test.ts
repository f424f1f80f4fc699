import test from 'ava';
import { createNode, type GossipNode } from '@trellis/node';
import { taskStore, type TasksApi } from '@trellis/tasks';
import { DnsServer } from '@trellis/dns';
import { resolve, resolveUntil, same, type Resolution } from './helpers/dns-probe.js';

/**
 * Virtual Network Service DNS on a real cluster: four gossip nodes on loopback UDP, a DNS
 * server on each answering from its own node's converged task view, and node's resolver
 * asking every one of them.
 */
const graceMs = 2000;
const zone = 'dcos.thisdcos.directory';

interface Host {
  readonly node: GossipNode<{ tasks: TasksApi }>;
  readonly dns: DnsServer;
  readonly port: number;
}

async function cluster(n: number): Promise<Host[]> {
  const hosts: Host[] = [];
  for (let i = 0; i < n; i++) {
    const node = await createNode({
      id: `agent-${i}`,
      bind: '127.0.0.1:0',
      keyring: null,
      profile: 'local',
      seeds: i === 0 ? [] : [hosts[0]!.node.address],
      stores: { tasks: taskStore({ graceMs }) },
    });
    const dns = new DnsServer({ host: '127.0.0.1', port: 0, zone, ttlSeconds: 1 });
    node.stores.tasks.on('changed', () => dns.update(node.stores.tasks.list()));
    const { port } = await dns.start();
    hosts.push({ node, dns, port });
  }
  return hosts;
}

async function everywhere(
  hosts: readonly Host[],
  name: string,
  type: 'A' | 'AAAA',
  want: Resolution,
  timeoutMs: number,
): Promise<{ ok: boolean; detail: string; ms: number }> {
  const start = Date.now();
  const results = await Promise.all(
    hosts.map((h) => resolveUntil(h.port, name, type, same(want), timeoutMs)),
  );
  return {
    ok: results.every((r) => r.ok),
    detail: results.map((r, i) => `${hosts[i]!.node.id}: ${JSON.stringify(r.last)}`).join('; '),
    ms: Date.now() - start,
  };
}

test('task names resolve on every node, follow updates, and leave on withdrawal and death', async (t) => {
  t.timeout(90_000);
  const hosts = await cluster(4);
  t.teardown(async () => {
    for (const h of hosts) {
      await h.dns.close();
      await h.node.close();
    }
  });
  const [a, b, c] = hosts as [Host, Host, Host, Host];
  const check = async (
    name: string,
    type: 'A' | 'AAAA',
    want: Resolution,
    timeoutMs = 10_000,
    on = hosts,
  ) => {
    const r = await everywhere(on, name, type, want, timeoutMs);
    t.true(r.ok, `${type} ${name} -> ${JSON.stringify(want)}: ${r.detail}`);
    return r.ms;
  };

  // A host-network task: autoip is the agent IP, containerip has no address.
  a.node.stores.tasks.publish({ id: 'web.1', name: 'Web', framework: 'Marathon', agentIp: '10.0.0.1' });
  const publishedMs = await check(`web.marathon.autoip.${zone}`, 'A', ['10.0.0.1']);
  t.log(`a task published on one node resolves on all four in ${publishedMs} ms`);
  await check(`web.marathon.agentip.${zone}`, 'A', ['10.0.0.1']);
  await check(`web.marathon.containerip.${zone}`, 'A', 'NODATA');
  await check(`WEB.Marathon.AutoIP.${zone.toUpperCase()}`, 'A', ['10.0.0.1']);

  // It joins the overlay: autoip switches from the agent IP to the container IP.
  a.node.stores.tasks.publish({
    id: 'web.1',
    name: 'Web',
    framework: 'Marathon',
    agentIp: '10.0.0.1',
    networks: [
      { name: 'dcos', ipv4: '9.0.1.2' },
      { name: 'dcos6', ipv6: 'fd01:b::2' },
    ],
  });
  t.log(`autoip switched everywhere in ${await check(`web.marathon.autoip.${zone}`, 'A', ['9.0.1.2'])} ms`);
  await check(`web.marathon.autoip.${zone}`, 'AAAA', ['fd01:b::2']);
  await check(`web.marathon.containerip.${zone}`, 'A', ['9.0.1.2']);
  await check(`web.marathon.containerip.${zone}`, 'AAAA', ['fd01:b::2']);
  await check(`web.marathon.agentip.${zone}`, 'A', ['10.0.0.1']);
  await check(`web.marathon.agentip.${zone}`, 'AAAA', 'NODATA');

  // A second instance on another agent: one name, two records.
  b.node.stores.tasks.publish({
    id: 'web.2',
    name: 'web',
    framework: 'marathon',
    agentIp: 'fd00::2',
    networks: [{ name: 'dcos', ipv4: '9.0.2.2' }],
  });
  await check(`web.marathon.containerip.${zone}`, 'A', ['9.0.1.2', '9.0.2.2']);
  await check(`web.marathon.agentip.${zone}`, 'AAAA', ['fd00::2']);
  await check(`nothing.marathon.autoip.${zone}`, 'A', 'NXDOMAIN');

  // Withdrawal: the name loses that instance everywhere.
  t.true(b.node.stores.tasks.withdraw('web.2'));
  const withdrawnMs = await check(`web.marathon.containerip.${zone}`, 'A', ['9.0.1.2'], 5000);
  t.log(`withdrawal reflected on all four in ${withdrawnMs} ms`);

  // Death: a killed agent's tasks stop resolving after detection plus the grace period.
  c.node.stores.tasks.publish({ id: 'db.1', name: 'db', framework: 'kafka', agentIp: '10.0.0.3' });
  await check(`db.kafka.autoip.${zone}`, 'A', ['10.0.0.3']);
  const killedAt = Date.now();
  await c.dns.close();
  await c.node.close(); // abrupt: no leave
  const survivors = hosts.filter((h) => h !== c);
  await check(`db.kafka.autoip.${zone}`, 'A', 'NXDOMAIN', 20_000, survivors);
  const goneMs = Date.now() - killedAt;
  t.log(`a dead agent's task stopped resolving everywhere ${goneMs} ms after the kill (grace ${graceMs} ms)`);
  t.true(goneMs >= graceMs, 'not before the grace period');
  t.deepEqual(await resolve(a.port, `web.marathon.autoip.${zone}`, 'A'), ['9.0.1.2'], 'others unaffected');
});

test('a departed agent\u2019s tasks stop resolving at once', async (t) => {
  t.timeout(60_000);
  const hosts = await cluster(3);
  t.teardown(async () => {
    for (const h of hosts) {
      await h.dns.close();
      await h.node.close();
    }
  });
  const [a, b] = hosts as [Host, Host, Host];
  b.node.stores.tasks.publish({ id: 'x', name: 'api', framework: 'svc', agentIp: '10.0.0.2' });
  t.true((await everywhere(hosts, `api.svc.agentip.${zone}`, 'A', ['10.0.0.2'], 10_000)).ok);
  const leftAt = Date.now();
  await b.node.leave();
  const r = await everywhere([a, hosts[2]!], `api.svc.agentip.${zone}`, 'A', 'NXDOMAIN', graceMs);
  t.true(r.ok, r.detail);
  t.log(`gone ${Date.now() - leftAt} ms after leave(), within the ${graceMs} ms grace period`);
});
