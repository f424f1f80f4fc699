import test, { type ExecutionContext } from 'ava';
import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Address } from '@trellis/runtime';
import { suspicionMinMs, swimProfiles, type SwimConfig } from '@trellis/swim';
import {
  createNode as createRealNode,
  Keyring,
  type CreateNodeOptions,
  type GossipNode,
} from '../src/index.js';

// Real sockets on loopback: this file checks the wiring, the simulator checks the protocol.
// Serial, because ten nodes per test already load a 2-core machine; bounds are generous and
// every measured time is logged rather than asserted tightly.

// With `local`'s retransmitMult 2, news of a join below 10 members is piggybacked twice, so one
// member in five can miss it until the first push-pull (15 s); a 2 s push-pull bounds that.
const antiEntropy: Partial<SwimConfig> = { pushPullIntervalMs: 2000 };
/** Probing a little faster than `local` keeps the death test short; the timeout stays generous. */
const fast: Partial<SwimConfig> = { ...antiEntropy, probeIntervalMs: 500, probeTimeoutMs: 250 };
/** For "nothing was suspected" assertions: a stalled event loop must not look like a failure. */
const patient: Partial<SwimConfig> = { ...antiEntropy, probeTimeoutMs: 500 };

const pollMs = 50;

function describe(nodes: readonly GossipNode[]): string {
  return nodes.map((n) => `${n.id}: ${liveIds(n)}`).join('; ');
}

async function waitFor(pred: () => boolean, timeoutMs: number): Promise<number | undefined> {
  const start = performance.now();
  for (;;) {
    if (pred()) return performance.now() - start;
    if (performance.now() - start > timeoutMs) return undefined;
    await sleep(pollMs);
  }
}

interface Cluster {
  readonly nodes: GossipNode[];
  spawn(id: string, keyring: Keyring | null, seeds: readonly Address[]): Promise<GossipNode>;
}

/** Nodes created through `spawn` are closed when the test ends, pass or fail. */
function cluster(t: ExecutionContext, swim: Partial<SwimConfig>): Cluster {
  const nodes: GossipNode[] = [];
  t.teardown(async () => {
    await Promise.all(nodes.map((n) => n.close()));
  });
  return {
    nodes,
    async spawn(id, keyring, seeds) {
      const node = await createRealNode({
        id,
        bind: '127.0.0.1:0',
        seeds,
        profile: 'local',
        swim,
        keyring,
        label: 'udp-cluster-test',
      });
      nodes.push(node);
      return node;
    },
  };
}

const liveIds = (n: GossipNode): string =>
  n
    .liveMembers()
    .map((m) => m.id)
    .sort()
    .join(',');

function allSeeAlive(nodes: readonly GossipNode[]): boolean {
  const want = nodes
    .map((n) => n.id)
    .sort()
    .join(',');
  return nodes.every((n) => liveIds(n) === want);
}

/** Counts memberSuspected / memberDied events seen by `nodes` from now on. */
function watchTrouble(nodes: readonly GossipNode[]): { suspected: number; died: number } {
  const seen = { suspected: 0, died: 0 };
  for (const n of nodes) {
    n.on('member', (e) => {
      if (e.type === 'memberSuspected') seen.suspected++;
      if (e.type === 'memberDied') seen.died++;
    });
  }
  return seen;
}

const key = (): Uint8Array => new Uint8Array(randomBytes(32));

test.serial('10 nodes converge; an abruptly closed one is marked dead by all others', async (t) => {
  const c = cluster(t, fast);
  const first = await c.spawn('n0', null, []);
  for (let i = 1; i < 10; i++) await c.spawn(`n${i}`, null, [first.address]);
  const convergedMs = await waitFor(() => allSeeAlive(c.nodes), 15_000);
  t.log(`10 nodes converged in ${convergedMs?.toFixed(0) ?? 'never'} ms`);
  if (convergedMs === undefined) t.fail(c.nodes.map((n) => `${n.id}: ${liveIds(n)}`).join('\n'));

  const cfg = { ...swimProfiles.local, ...fast };
  const min = suspicionMinMs(cfg.suspicionMult, 10, cfg.probeIntervalMs);
  // Someone probes it within a period or two, the suspicion lasts at most max, then gossip
  // spreads the death; the slack absorbs a loaded machine (awareness stretches the periods).
  const boundMs = 2 * cfg.probeIntervalMs + cfg.probeTimeoutMs + cfg.suspicionMaxTimeoutMult * min + 10_000;

  const victim = c.nodes[7]!;
  const others = c.nodes.filter((n) => n !== victim);
  const deadAt = new Map<string, number>();
  const closedAt = performance.now();
  for (const n of others) {
    n.on('member', (e) => {
      if (e.type === 'memberDied' && e.member.id === victim.id && !deadAt.has(n.id))
        deadAt.set(n.id, performance.now() - closedAt);
    });
  }
  await victim.close();
  const allDeadMs = await waitFor(() => others.every((n) => n.member(victim.id)?.status === 'dead'), boundMs);
  const times = [...deadAt.values()].sort((a, b) => a - b);
  t.log(
    `dead everywhere after ${allDeadMs?.toFixed(0) ?? 'never'} ms (bound ${boundMs} ms);` +
      ` first ${times[0]?.toFixed(0)} ms, last ${times.at(-1)?.toFixed(0)} ms`,
  );
  t.not(allDeadMs, undefined, `not dead everywhere within ${boundMs} ms`);
  for (const n of others) t.is(n.member(victim.id)?.status, 'dead', n.id);
  // The survivors still see each other.
  t.true(others.every((n) => n.liveMembers().length === 9));
});

test.serial('a graceful leave is seen as left, not dead', async (t) => {
  const c = cluster(t, patient);
  const first = await c.spawn('l0', null, []);
  for (let i = 1; i < 5; i++) await c.spawn(`l${i}`, null, [first.address]);
  const convergedMs = await waitFor(() => allSeeAlive(c.nodes), 15_000);
  t.log(`converged in ${convergedMs?.toFixed(0) ?? 'never'} ms: ${describe(c.nodes)}`);
  t.not(convergedMs, undefined);
  const leaver = c.nodes[3]!;
  const others = c.nodes.filter((n) => n !== leaver);
  const trouble = watchTrouble(others);
  const start = performance.now();
  await leaver.leave();
  const leaveMs = performance.now() - start;
  const seenMs = await waitFor(() => others.every((n) => n.member(leaver.id)?.status === 'left'), 10_000);
  t.log(`leave() resolved in ${leaveMs.toFixed(0)} ms; all saw 'left' after ${seenMs?.toFixed(0)} ms`);
  t.not(seenMs, undefined);
  for (const n of others) t.is(n.member(leaver.id)?.status, 'left', n.id);
  t.is(trouble.died, 0);
  await leaver.close();
});

test.serial('keyring rotation while traffic flows: add, use, remove on every node', async (t) => {
  const c = cluster(t, patient);
  const a = key();
  const b = key();
  const rings = [new Keyring(a), new Keyring(a), new Keyring(a), new Keyring(a)];
  const first = await c.spawn('k0', rings[0]!, []);
  for (let i = 1; i < 4; i++) await c.spawn(`k${i}`, rings[i]!, [first.address]);
  const convergedMs = await waitFor(() => allSeeAlive(c.nodes), 15_000);
  t.log(`converged in ${convergedMs?.toFixed(0) ?? 'never'} ms: ${describe(c.nodes)}`);
  t.not(convergedMs, undefined);
  const trouble = watchTrouble(c.nodes);
  const before = c.nodes.map((n) => n.stats().packetsIn);

  const step = async (what: string, fn: (ring: Keyring) => void): Promise<void> => {
    for (const ring of rings) {
      fn(ring);
      // Nodes switch one by one, with traffic in between, as an operator's rollout would.
      await sleep(100);
    }
    await sleep(1000);
    t.true(allSeeAlive(c.nodes), `after ${what}`);
  };
  await step('add(B)', (r) => r.add(b));
  await step('use(B)', (r) => r.use(b));
  await step('remove(A)', (r) => r.remove(a));

  // Everyone now speaks B only, and still gets traffic.
  const mid = c.nodes.map((n) => n.stats().packetsIn);
  await sleep(1500);
  t.true(allSeeAlive(c.nodes));
  c.nodes.forEach((n, i) => {
    t.true(mid[i]! > before[i]!, `${n.id} received during the rotation`);
    t.true(n.stats().packetsIn > mid[i]!, `${n.id} receives after the rotation`);
    t.is(n.stats().rejected['wire:decrypt'] ?? 0, 0, `${n.id} rejected nothing`);
  });
  t.log(`suspicions ${trouble.suspected}, deaths ${trouble.died}`);
  t.is(trouble.suspected, 0);
  t.is(trouble.died, 0);
});

test.serial('a node with the wrong key cannot join and is counted as wire:decrypt', async (t) => {
  const c = cluster(t, patient);
  const a = key();
  const first = await c.spawn('w0', new Keyring(a), []);
  for (let i = 1; i < 3; i++) await c.spawn(`w${i}`, new Keyring(a), [first.address]);
  const members = [...c.nodes];
  t.not(await waitFor(() => allSeeAlive(members), 15_000), undefined);
  const intruder = await c.spawn('intruder', new Keyring(key()), [first.address]);
  await waitFor(() => (first.stats().rejected['wire:decrypt'] ?? 0) > 0, 10_000);
  await sleep(2000);
  for (const n of members) t.is(n.member(intruder.id), undefined, `${n.id} knows the intruder`);
  t.true(allSeeAlive(members));
  t.is(intruder.liveMembers().length, 1, 'the intruder learned nobody');
  const decrypt = first.stats().rejected['wire:decrypt'] ?? 0;
  t.log(`seed rejected ${decrypt} frames/packets as wire:decrypt`);
  t.true(decrypt > 0);
});

test.serial('plaintext and encrypted nodes refuse each other, counted by reason', async (t) => {
  const c = cluster(t, patient);
  const k = key();
  const secure = [await c.spawn('s0', new Keyring(k), [])];
  secure.push(await c.spawn('s1', new Keyring(k), [secure[0]!.address]));
  const plain = [await c.spawn('p0', null, [])];
  plain.push(await c.spawn('p1', null, [plain[0]!.address]));
  t.not(await waitFor(() => allSeeAlive(secure) && allSeeAlive(plain), 15_000), undefined);

  // Each side tries to join the other.
  const plainIntruder = await c.spawn('plain-intruder', null, [secure[0]!.address]);
  const secureIntruder = await c.spawn('secure-intruder', new Keyring(key()), [plain[0]!.address]);
  const refusedMs = await waitFor(
    () =>
      (secure[0]!.stats().rejected['wire:unexpected-plaintext'] ?? 0) > 0 &&
      (plain[0]!.stats().rejected['wire:unexpected-encrypted'] ?? 0) > 0,
    10_000,
  );
  t.log(`both refusals counted after ${refusedMs?.toFixed(0)} ms`);
  t.not(refusedMs, undefined);
  await sleep(2000);
  for (const n of secure) t.is(n.member(plainIntruder.id), undefined, `${n.id} knows the plaintext node`);
  for (const n of plain) t.is(n.member(secureIntruder.id), undefined, `${n.id} knows the encrypted node`);
  t.true(allSeeAlive(secure));
  t.true(allSeeAlive(plain));
  t.is(plainIntruder.liveMembers().length, 1);
  t.is(secureIntruder.liveMembers().length, 1);
});

test.serial('two nodes: b hears a join, a hears b leave', async (t) => {
  const seen: string[] = [];
  const seenByA: string[] = [];
  const console = { log: (...parts: unknown[]) => seen.push(parts.join(' ')) };
  // Shadows the import so that every node is closed, whatever happens.
  const opened: GossipNode[] = [];
  t.teardown(async () => {
    await Promise.all(opened.map((n) => n.close()));
  });
  const createNode = async (options: CreateNodeOptions): Promise<GossipNode> => {
    const node = await createRealNode(options);
    opened.push(node);
    return node;
  };

  const a = await createNode({ id: 'a', bind: '127.0.0.1:0', keyring: null, profile: 'local' });
  // prettier-ignore
  const b = await createNode({ id: 'b', bind: '127.0.0.1:0', keyring: null, profile: 'local', seeds: [a.address] });
  b.on('member', (e) => console.log(e.type, e.member.id, e.member.status));
  a.on('member', (e) => seenByA.push(`${e.type} ${e.member.id} ${e.member.status}`));
  t.not(await waitFor(() => allSeeAlive([a, b]), 10_000), undefined, 'a and b see each other');
  await b.leave();
  await Promise.all([a.close(), b.close()]);

  t.log(seen);
  t.true(seen.includes('memberJoined a alive'), 'b saw a join');
  t.true(seenByA.includes('memberLeft b left'), 'a saw b leave');
  t.is(a.member('b')?.status, 'left');
});
