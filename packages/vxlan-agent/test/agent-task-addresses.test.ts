import test from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { createNode } from '@trellis/node';
import { agentStores, type AgentNode } from '../src/agent-node.js';

const overlays = [{ name: 'dcos', subnet: '9.0.0.0/8', prefixLength: 24 }];

async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end && !check()) await sleep(25);
  return check();
}

/** A node with the agent's stores, attached as the agent attaches them. */
async function agent(id: string, seeds: string[] = []): Promise<AgentNode> {
  // Every node on this host's loopback, as the agent decides for a loopback underlay.
  const stores = agentStores(overlays, { settleMs: 300, loopbackUnderlay: true });
  const node = await createNode({
    id,
    bind: '127.0.0.1:0',
    keyring: null,
    profile: 'local',
    seeds,
    stores: stores.plugins,
  });
  stores.attach(node);
  return node;
}

test('the agent shows a peer’s task only with addresses in that peer’s own settled slice', async (t) => {
  const nodes: AgentNode[] = [];
  t.teardown(() => Promise.all(nodes.map((n) => n.close())));
  nodes.push(await agent('a'));
  nodes.push(await agent('b', [nodes[0]!.address]));
  const [a, b] = nodes as [AgentNode, AgentNode];
  const task = (id: string, ipv4: string) => ({
    id,
    name: id,
    framework: 'marathon',
    agentIp: '127.0.0.2',
    networks: [{ name: 'dcos', ipv4 }],
  });
  // Published before b holds a slice: a keeps the record but does not show it yet.
  b.stores.tasks.publish(task('early', '9.255.0.1'));
  t.true(await until(() => a.stores.tasks.stats().records >= 1, 10_000), 'the record reached a');
  t.deepEqual(
    a.stores.tasks.list().map((e) => e.id),
    [],
  );
  a.stores.routes.publish('dcos', { underlayIp: '127.0.0.1' });
  b.stores.routes.publish('dcos', { underlayIp: '127.0.0.2' });
  t.true(
    await until(
      () => a.stores.routes.table('dcos').length === 1 && b.stores.routes.table('dcos').length === 1,
      15_000,
    ),
  );
  const own = b.stores.routes.local('dcos')!.route!;
  const other = a.stores.routes.local('dcos')!.route!;
  const inside = (cidr: string) => cidr.replace(/\.0\/25$/, '.7');
  b.stores.tasks.publish(task('early', inside(own.mesosSubnet!))); // now in its slice
  b.stores.tasks.publish(task('squatter', inside(other.mesosSubnet!))); // in a's slice
  b.stores.tasks.publish(task('outside', '10.1.2.3')); // in no overlay
  t.true(await until(() => a.stores.tasks.list().some((e) => e.id === 'early'), 10_000));
  t.true(await until(() => a.stores.tasks.stats().records === 3, 10_000));
  t.deepEqual(
    a.stores.tasks.list().map((e) => e.id),
    ['early'],
  );
  t.is(a.stores.tasks.stats().unverified, 2);
});
