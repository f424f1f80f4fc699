import test, { type ExecutionContext } from 'ava';
import { setTimeout as sleep } from 'node:timers/promises';
import { InvalidArgumentError, LimitError } from '@trellis/runtime';
import { StoreRegistrationError } from '@trellis/store';
import { createNode, MessageNotDeliveredError, type GossipNode, type UserMessage } from '../src/index.js';
import { until } from './helpers/until.js';

// User messages and kv tables on real sockets: the wiring. The simulator tests the protocol.

async function cluster(t: ExecutionContext, n: number): Promise<GossipNode[]> {
  const nodes: GossipNode[] = [];
  t.teardown(() => Promise.all(nodes.map((x) => x.close())));
  const swim = { pushPullIntervalMs: 2000 };
  nodes.push(await createNode({ id: 'n0', bind: '127.0.0.1:0', keyring: null, profile: 'local', swim }));
  for (let i = 1; i < n; i++)
    nodes.push(
      await createNode({
        id: `n${i}`,
        bind: '127.0.0.1:0',
        keyring: null,
        profile: 'local',
        swim,
        seeds: [nodes[0]!.address],
      }),
    );
  await Promise.all(nodes.map((x) => x.joined()));
  t.true(await until(() => nodes.every((x) => x.liveMembers().length === n), 10_000), 'cluster formed');
  return nodes;
}

test.serial('broadcast reaches every other node exactly once', async (t) => {
  const nodes = await cluster(t, 4);
  const got = new Map<string, UserMessage[]>(nodes.map((x) => [x.id, []]));
  for (const x of nodes) x.on('message', (m) => got.get(x.id)!.push(m));
  for (let i = 0; i < 5; i++) nodes[1]!.broadcast('deploy', { version: i });
  t.true(await until(() => nodes.every((x) => x.id === 'n1' || got.get(x.id)!.length >= 5), 10_000));
  await sleep(1000); // relays still in flight must not deliver anything twice
  for (const x of nodes) {
    const msgs = got.get(x.id)!;
    if (x.id === 'n1') t.deepEqual(msgs, [], 'the sender does not receive its own broadcast');
    else
      t.deepEqual(
        msgs.map((m) => [m.topic, (m.payload as { version: number }).version, m.from, m.direct]).sort(),
        [0, 1, 2, 3, 4].map((v) => ['deploy', v, 'n1', false]),
      );
  }
  t.throws(() => nodes[0]!.broadcast('big', 'x'.repeat(5000)), { instanceOf: LimitError });
  t.throws(() => nodes[0]!.broadcast('t'.repeat(65), 1), { instanceOf: InvalidArgumentError });
});

test.serial('send resolves once the peer has the message; a gone peer rejects', async (t) => {
  const nodes = await cluster(t, 3);
  const [a, b, c] = nodes as [GossipNode, GossipNode, GossipNode];
  const got: UserMessage[] = [];
  b.on('message', (m) => got.push(m));
  await a.send('n1', { hello: 'b' }, { topic: 'greet' });
  t.deepEqual(
    got,
    [{ topic: 'greet', payload: { hello: 'b' }, from: 'n0', direct: true }],
    'delivered before resolve',
  );
  await t.throwsAsync(a.send('nobody', 1), { instanceOf: InvalidArgumentError });
  await c.close();
  await t.throwsAsync(a.send('n2', 1), { instanceOf: MessageNotDeliveredError });
});

test.serial('a send in flight when the node closes, or made after, rejects instead of hanging', async (t) => {
  const nodes = await cluster(t, 2);
  const [a] = nodes as [GossipNode, GossipNode];
  const settled = (p: Promise<void>) =>
    Promise.race([
      p.then(
        () => 'resolved',
        (e: unknown) => (e instanceof MessageNotDeliveredError ? e.reason : 'other error'),
      ),
      sleep(3000).then(() => 'still pending after 3 s'),
    ]);
  const inFlight = a.send('n1', 'bye');
  await a.close();
  t.is(await settled(inFlight), 'closed');
  t.is(await settled(a.send('n1', 'after')), 'closed');
});

test.serial('an owned kv table: each node writes its keys, every node reads them all', async (t) => {
  const nodes = await cluster(t, 3);
  const tables = nodes.map((x) => x.kv('inventory'));
  tables.forEach((table, i) => table.set('cpus', 2 * (i + 1)));
  tables[0]!.set('disk', 'ssd');
  const want = JSON.stringify([
    { key: 'cpus', value: 2, owner: 'n0' },
    { key: 'disk', value: 'ssd', owner: 'n0' },
    { key: 'cpus', value: 4, owner: 'n1' },
    { key: 'cpus', value: 6, owner: 'n2' },
  ]);
  t.true(await until(() => tables.every((table) => JSON.stringify(table.entries()) === want), 10_000));
  t.is(tables[2]!.get('cpus', 'n1'), 4);
  t.is(nodes[0]!.kv('inventory'), tables[0]!, 'the same name gives the same table');
  t.throws(() => nodes[0]!.kv('inventory', { mode: 'shared' }), { instanceOf: StoreRegistrationError });
  const changes: unknown[] = [];
  tables[2]!.on('changed', (d) => changes.push(d));
  tables[0]!.delete('disk');
  t.true(await until(() => tables.every((table) => table.entries().length === 3), 10_000));
  t.true(changes.length > 0);
});

test.serial('a shared kv table: the last write wins everywhere', async (t) => {
  const nodes = await cluster(t, 3);
  const tables = nodes.map((x) => x.kv('config', { mode: 'shared' }));
  tables[0]!.set('mode', 'blue');
  t.true(await until(() => tables.every((table) => table.get('mode') === 'blue'), 10_000));
  await sleep(5);
  tables[2]!.set('mode', 'green');
  t.true(await until(() => tables.every((table) => table.get('mode') === 'green'), 10_000));
  t.deepEqual(tables[1]!.entries(), [{ key: 'mode', value: 'green', owner: 'n2' }]);
});
