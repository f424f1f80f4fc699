/** The scenarios one cluster goes through, in order: join, steady, broadcast, fail. */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { WireCodec, type TransportStats } from '@trellis/node';
import { appendResult, type ResultLine } from './results.js';
import { Cluster, closeDeadlineMs, drained, host, overlayName, waitUntil } from './udp-cluster.js';
import { median, round, spread } from './delay-spread.js';
import type { Plan } from './udp-plan.js';
import { describeRun, line, loopDelay, type RunKey } from './udp-result-line.js';

export async function runJoin(c: Cluster, plan: Plan): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const seed = await c.add();
  for (let i = 1; i < c.n; i++) (await c.add()).node.join([seed.node.address]);
  const lastJoin = performance.now();
  const ok = await waitUntil(() => c.convergedAt !== undefined, plan.joinDeadlineMs, 10);
  const notFull = c.peers.filter((p) => p.alive < c.n).length;
  // Everything every node sent from the first start until convergence was seen, per node.
  const bytes = c.peers.reduce((sum, p) => sum + p.transport.stats().bytesOut, 0);
  return {
    ms: { converge: ok ? round(c.convergedAt! - lastJoin) : undefined, start: round(lastJoin - t0) },
    timedOut: !ok,
    bytesPerNode: Math.round(bytes / c.n),
    aliveMin: Math.min(...c.peers.map((p) => p.alive)),
    ...(ok ? {} : { nodesMissingMembers: notFull }),
  };
}

const sentBytes = (c: Cluster): number => c.peers.reduce((sum, p) => sum + p.transport.stats().bytesOut, 0);

/**
 * What one broadcast cost: every byte the cluster sent from the publish until every receiver held
 * the record and every queue was empty, less what the cluster sends idle in as long (steady's
 * mean), per receiver. The window stops at 2.5 s at the latest: the claim settles at 3 s and
 * gossips a second version, which is the claim protocol's cost, not the broadcast's.
 */
async function broadcastCost(
  c: Cluster,
  since: { t0: number; bytes: number },
  idleBytesPerNodePerSec: number,
): Promise<Record<string, unknown>> {
  const drainedBy = await waitUntil(() => drained(c), Math.max(0, since.t0 + 2500 - performance.now()), 5);
  const windowMs = performance.now() - since.t0;
  const sent = sentBytes(c) - since.bytes;
  const idle = (idleBytesPerNodePerSec * c.n * windowMs) / 1000;
  return {
    windowMs: Math.round(windowMs),
    drained: drainedBy,
    sent,
    idleInWindow: Math.round(idle),
    perReceiver: Math.round((Math.max(0, sent - idle) / (c.n - 1)) * 10) / 10,
  };
}

async function runSteady(c: Cluster, plan: Plan): Promise<Record<string, unknown>> {
  const quiet = await waitUntil(() => drained(c), plan.drainDeadlineMs, 100);
  const before = c.peers.map((p) => p.transport.stats());
  const suspicions = c.swimTotal('suspicionsRaised');
  const t0 = performance.now();
  await sleep(plan.steadyMs);
  const seconds = (performance.now() - t0) / 1000;
  const after = c.peers.map((p) => p.transport.stats());
  const rate = (f: (s: TransportStats) => number) =>
    after.map((s, i) => (f(s) - f(before[i]!)) / seconds).sort((a, b) => a - b);
  const summary = (xs: number[]) => ({
    perNodePerSec: Number((xs.reduce((a, b) => a + b, 0) / xs.length).toFixed(1)),
    median: Number(median(xs)!.toFixed(1)),
    max: Number(xs.at(-1)!.toFixed(1)),
  });
  return {
    seconds: Number(seconds.toFixed(1)),
    // UDP datagrams and TCP requests and replies, everything the node's sockets sent.
    bytes: summary(rate((s) => s.bytesOut)),
    packets: summary(rate((s) => s.packetsOut)),
    streams: summary(rate((s) => s.requestsOut + s.repliesOut)),
    suspicions: c.swimTotal('suspicionsRaised') - suspicions,
    queuesDrainedBefore: quiet,
  };
}

/**
 * The measure of "the record reached the node" is its arrival in the node's replicated route
 * table (`stores.routes.record`), the CRDT every record is merged into, whatever the state of the
 * claim. That is what memberlist's broadcast measures: a user message reaching a member. The
 * converged table (`routes.table()`) shows a route only once its owner's claim has settled
 * (settleMs, 3 s, then a digest sync and a second, settled version gossiped): that is the claim
 * protocol's latency, reported beside it as `settled`, not the dissemination time.
 */
async function runBroadcast(c: Cluster, plan: Plan, idleRate: number): Promise<Record<string, unknown>> {
  const origin = c.peers[0]!;
  const owner = origin.node.id;
  const receivers = c.peers.slice(1);
  const arrived = new Map<number, number>();
  const settled = new Map<number, number>();
  let t0 = performance.now();
  const unsubscribe = receivers.map((p, i) =>
    p.node.stores.routes.subscribe(overlayName, (e) => {
      if (!settled.has(i) && e.added.some((r) => r.owner === owner)) settled.set(i, performance.now() - t0);
    }),
  );
  const poll = (): boolean => {
    for (let i = 0; i < receivers.length; i++) {
      if (arrived.has(i) || receivers[i]!.node.stores.routes.record(overlayName, owner) === undefined)
        continue;
      arrived.set(i, performance.now() - t0);
    }
    return arrived.size === receivers.length;
  };
  try {
    const bytesBefore = sentBytes(c);
    t0 = performance.now();
    origin.node.stores.routes.publish(overlayName, { underlayIp: host });
    const record = origin.node.stores.routes.record(overlayName, owner);
    const allArrived = await waitUntil(poll, plan.broadcastDeadlineMs, 2);
    const bytes = await broadcastCost(c, { t0, bytes: bytesBefore }, idleRate);
    const left = plan.settledDeadlineMs - (performance.now() - t0);
    const allSettled = await waitUntil(() => settled.size === receivers.length, Math.max(0, left), 20);
    return {
      ms: spread([...arrived.values()]),
      missed: receivers.length - arrived.size,
      timedOut: !allArrived,
      settled: {
        ms: spread([...settled.values()]),
        missed: receivers.length - settled.size,
        timedOut: !allSettled,
      },
      recordBytes:
        record === undefined ? undefined : new WireCodec().encodeDatagrams([record]).packets[0]?.length,
      bytes,
    };
  } finally {
    for (const off of unsubscribe) off();
  }
}

/**
 * Besides the death times, where they come from: when the observers first heard the victim
 * suspected, the probe and suspicion counters over the wait, and the highest local-health
 * (awareness) score seen, which stretches probe intervals when timers fire late.
 */
export async function runFail(c: Cluster, plan: Plan): Promise<Record<string, unknown>> {
  const victimIndex = c.n - 1;
  const victim = c.peers[victimIndex]!;
  const others = c.peers.filter((_, i) => i !== victimIndex);
  const deadAt = new Map<number, number>();
  const suspectedAt = new Map<number, number>();
  let leftEvents = 0;
  let t0 = performance.now();
  c.onMember = (observer, e, at) => {
    if (observer === victimIndex || e.member.id !== victim.node.id) return;
    if (e.type === 'memberLeft') leftEvents++;
    if (e.type === 'memberSuspected' && !suspectedAt.has(observer)) suspectedAt.set(observer, at - t0);
    if (e.type === 'memberDied' && !deadAt.has(observer)) deadAt.set(observer, at - t0);
  };
  const counters = [
    'probesFailed',
    'probesInconclusive',
    'confirmations',
    'deathsDeclared',
    'lateTimers',
  ] as const;
  const base = counters.map((k) => c.swimTotal(k));
  const sent = (s: TransportStats) => s.packetsOut + s.requestsOut + s.repliesOut;
  const sentBefore = sent(victim.transport.stats());
  let awarenessMax = 0;
  t0 = performance.now();
  // GossipNode.close() stops the driver (no flush, no leave) and closes both sockets: a crash.
  const closing = victim.node.close();
  const sentAtStop = sent(victim.transport.stats()) - sentBefore;
  await Promise.race([closing, sleep(closeDeadlineMs, undefined, { ref: false })]);
  const ok = await waitUntil(
    () => {
      for (const p of others) awarenessMax = Math.max(awarenessMax, p.node.core.swim.awarenessScore);
      return deadAt.size === c.n - 1;
    },
    plan.failDeadlineMs,
    20,
  );
  c.onMember = undefined;
  return {
    victim: victim.node.id,
    ms: spread([...deadAt.values()]),
    missed: c.n - 1 - deadAt.size,
    timedOut: !ok,
    suspected: { ms: spread([...suspectedAt.values()]) },
    counters: Object.fromEntries(counters.map((k, i) => [k, c.swimTotal(k) - base[i]!])),
    awarenessMax,
    leftEvents,
    packetsSentByVictimAtStop: sentAtStop,
  };
}

/** One cluster through join, steady, broadcast and fail; every node closed at the end. */
export async function runCluster(key: RunKey, plan: Plan, say: (msg: string) => void): Promise<ResultLine[]> {
  const c = new Cluster(key.profile, key.n, `${key.profile}${key.n}r${key.rep}`);
  const out: ResultLine[] = [];
  loopDelay.reset();
  const emit = (scenario: string, fields: Record<string, unknown>): void => {
    const l = line(key, scenario, fields);
    appendResult(l);
    out.push(l);
    say(`${scenario} ${describeRun(key)}: ${JSON.stringify(fields.ms ?? fields.bytes ?? {})}`);
  };
  try {
    const join = await runJoin(c, plan);
    emit('join', join);
    if (join.timedOut === true) {
      for (const s of ['steady', 'broadcast', 'fail']) emit(s, { skipped: 'join did not converge' });
      return out;
    }
    const steady = await runSteady(c, plan);
    emit('steady', steady);
    const idleRate = (steady.bytes as { perNodePerSec: number }).perNodePerSec;
    emit('broadcast', await runBroadcast(c, plan, idleRate));
    emit('fail', await runFail(c, plan));
  } catch (error) {
    say(
      `error ${describeRun(key)}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    emit('error', { error: String(error) });
  } finally {
    if (!(await c.close()))
      say(`close ${describeRun(key)}: not all nodes closed within ${closeDeadlineMs} ms`);
  }
  return out;
}
