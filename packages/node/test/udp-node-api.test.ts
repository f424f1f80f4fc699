import test, { type ExecutionContext } from 'ava';
import { ConfigError, InvalidArgumentError } from '@trellis/runtime';
import { DigestIndex } from '@trellis/membership';
import { StoreRegistrationError, type Store, type StorePlugin } from '@trellis/store';
import { routeStore } from '@trellis/routes';
import { bindUdpAndTcp, closeQuietly, createNode, JoinFailedError, type GossipNode } from '../src/index.js';
import { closedPort } from './transport-helpers.js';
import { until } from './helpers/until.js';

// The node's public surface on real sockets, as a new user meets it. Serial: each test starts
// a few nodes on loopback, and the bounds are generous (the machine has two busy cores).

function closing(t: ExecutionContext): GossipNode[] {
  const nodes: GossipNode[] = [];
  t.teardown(() => Promise.all(nodes.map((n) => n.close())));
  return nodes;
}

/** A store that holds nothing and does nothing: registration is all it is for. */
function inertStore(name: string, tag: string): Store {
  return {
    name,
    tag,
    broadcastShare: 0.1,
    digest: () => new DigestIndex(1),
    records: () => [],
    allRecords: () => [],
    handleRecord: () => undefined,
    handleSignal: () => undefined,
    handleTimeout: () => undefined,
    pollTimeout: () => undefined,
    pollEvent: () => undefined,
    leave: () => undefined,
  };
}

/** The port is free for UDP and TCP alike: nothing was left bound on it. */
async function portIsFree(port: number): Promise<boolean> {
  try {
    const { udp, tcp } = await bindUdpAndTcp('127.0.0.1', port, 1);
    await closeQuietly(udp);
    await new Promise((resolve) => tcp.close(resolve));
    return true;
  } catch {
    return false;
  }
}

test.serial('createNode lists every bad option, unknown ones included, and binds nothing', async (t) => {
  const port = await closedPort();
  const error = await t.throwsAsync(
    createNode({
      id: '',
      bind: `127.0.0.1:${port}`,
      keyring: null,
      seeds: ['nope'],
      swim: { probeIntervalMs: -5 },
      // @ts-expect-error -- a JavaScript caller's typo and a removed option
      probeIntervall: 1,
      overlays: [],
    }),
    { instanceOf: ConfigError },
  );
  const paths = error.problems.map((p) => p.path).sort();
  t.deepEqual(paths, [
    'id',
    'overlays',
    'probeIntervall',
    'seeds[0]',
    'swim.probeIntervalMs',
    'swim.probeTimeoutMs',
  ]);
  t.regex(error.message, /overlays: is not a node option: use stores: \{ routes: routeStore/);
  t.true(await portIsFree(port));
});

test.serial('a start that fails after the bind closes the socket again', async (t) => {
  const port = await closedPort();
  // A plug-in whose store claims a tag the failure detector owns.
  const rogue: StorePlugin<null> = {
    create: (ctx) => ({ store: inertStore(ctx.name, 'ping'), api: null, deliver: () => undefined }),
  };
  await t.throwsAsync(createNode({ id: 'a', bind: `127.0.0.1:${port}`, keyring: null, stores: { rogue } }), {
    instanceOf: StoreRegistrationError,
    message: /tag "ping" is reserved/,
  });
  t.true(await portIsFree(port), 'the port was released');
});

test.serial('a seed list holding only our own address bootstraps a cluster of one', async (t) => {
  const nodes = closing(t);
  const port = await closedPort();
  const self = `127.0.0.1:${port}`;
  const routes = routeStore({ overlays: [{ name: 'dcos', subnet: '9.0.0.0/8' }], config: { settleMs: 200 } });
  const node = await createNode({
    id: 'alone',
    bind: self,
    seeds: [self],
    keyring: null,
    profile: 'local',
    stores: { routes },
  });
  nodes.push(node);
  await node.joined();
  node.stores.routes.publish('dcos', { underlayIp: '127.0.0.1' });
  t.true(
    await until(() => node.stores.routes.local('dcos')?.state === 'settled', 5000),
    'the claim was not held back',
  );
  t.is(node.liveMembers().length, 1);
});

test.serial('joined() rejects with every seed’s error once the join gives up', async (t) => {
  const nodes = closing(t);
  const dead = `127.0.0.1:${await closedPort()}`;
  const node = await createNode({
    id: 'lonely',
    bind: '127.0.0.1:0',
    seeds: [dead],
    keyring: null,
    profile: 'local',
    swim: { joinAttemptsMax: 2, joinRetryBaseMs: 50, joinRetryMaxMs: 100 },
  });
  nodes.push(node);
  const error = await t.throwsAsync(node.joined(), { instanceOf: JoinFailedError });
  t.is(error.errors.length, 1);
  t.is(error.errors[0]!.seed, dead);
  t.regex(error.message, /join failed after 2 attempts/);
});

test.serial('joined() resolves once the join completes', async (t) => {
  const nodes = closing(t);
  const a = await createNode({ id: 'a', bind: '127.0.0.1:0', keyring: null, profile: 'local' });
  nodes.push(a);
  await a.joined(); // no seeds: a new cluster, at once
  const b = await createNode({
    id: 'b',
    bind: '127.0.0.1:0',
    keyring: null,
    profile: 'local',
    seeds: [a.address],
  });
  nodes.push(b);
  await b.joined();
  t.truthy(b.member('a'), 'the join brought a');
});

test.serial('updateMeta gossips new metadata; oversized metadata is refused', async (t) => {
  const nodes = closing(t);
  const a = await createNode({ id: 'a', bind: '127.0.0.1:0', keyring: null, profile: 'local' });
  const b = await createNode({
    id: 'b',
    bind: '127.0.0.1:0',
    keyring: null,
    profile: 'local',
    seeds: [a.address],
  });
  nodes.push(a, b);
  await b.joined();
  b.updateMeta(new TextEncoder().encode('rack=7'));
  t.true(await until(() => new TextDecoder().decode(a.member('b')?.meta) === 'rack=7', 5000));
  t.throws(() => b.updateMeta(new Uint8Array(100_000)), { instanceOf: InvalidArgumentError });
});

test.serial('a second node with our id from another address is reported as memberConflict', async (t) => {
  const nodes = closing(t);
  const swim = { pushPullIntervalMs: 500 };
  const a = await createNode({ id: 'a', bind: '127.0.0.1:0', keyring: null, profile: 'local', swim });
  const first = await createNode({
    id: 'dup',
    bind: '127.0.0.1:0',
    keyring: null,
    profile: 'local',
    swim,
    seeds: [a.address],
  });
  nodes.push(a, first);
  await first.joined();
  const atFirst: { ours: string; theirs: string }[] = [];
  first.on('memberConflict', (e) => atFirst.push(e));
  const second = await createNode({
    id: 'dup',
    bind: '127.0.0.1:0',
    keyring: null,
    profile: 'local',
    swim,
    seeds: [a.address],
  });
  nodes.push(second);
  const atSecond: { ours: string; theirs: string }[] = [];
  second.on('memberConflict', (e) => atSecond.push(e));
  // The join's full state tells the newcomer at once; the first learns at its next push-pull.
  t.true(await until(() => atSecond.length > 0 && atFirst.length > 0, 10_000), 'both told');
  t.like(atSecond[0], { ours: second.address, theirs: first.address });
  t.like(atFirst[0], { ours: first.address, theirs: second.address });
});
