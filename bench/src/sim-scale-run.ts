/**
 * One cluster size of the simulated convergence suite, run in its own process (so its peak RSS
 * is its own): bring up N nodes, measure steady-state bytes, then how a new member, a new route
 * record and a death spread. Each result goes to `emit` as soon as it is measured.
 */
import { latency } from '@trellis/sim';
import { parseOverlays } from '@trellis/routes';
import { swimProfiles, type SwimConfig } from '@trellis/swim';
import type { ResultLine } from './results.js';
import { BenchCluster, type BringUp } from './sim-cluster.js';
import { measureSpread, type Spread } from './spread.js';

const lan = swimProfiles.lan;
export const lossRate = 0.01;
const dcos = parseOverlays([{ name: 'dcos', subnet: '9.0.0.0/8', prefixLength: 24 }]);

/**
 * LAN, except the broadcast queue bound (4,096 -> 64). Seeding N full member tables makes every
 * node queue N stale rebroadcasts; at the default bound the N x N storm takes minutes of wall
 * time to drain at 2,000+ nodes. The bound caps memory, not timing: each scenario below puts one
 * piece of news in flight, and the queue sends the fewest-sent, newest news first.
 */
export const benchSwim: Partial<SwimConfig> = { broadcastQueueMax: 64 };
export const bringUpHow: BringUp = 'seeded';

/** The epidemic bound: log base fanout of N gossip rounds. */
export function epidemicRounds(n: number): number {
  return Math.log(n) / Math.log(lan.gossipNodes);
}

/** Serf's convergence model (200 ms, fanout 3), 99.9 % informed: published points, log-interpolated. */
const serfPoints: readonly [number, number][] = [
  [100, 1600],
  [1000, 2000],
  [10_000, 2200],
];
export function serfModelMs(n: number): { ms: number; published: boolean } {
  const exact = serfPoints.find(([pn]) => pn === n);
  if (exact) return { ms: exact[1], published: true };
  const [a, b] = n < 1000 ? [serfPoints[0]!, serfPoints[1]!] : [serfPoints[1]!, serfPoints[2]!];
  const f = (Math.log10(n) - Math.log10(a[0])) / (Math.log10(b[0]) - Math.log10(a[0]));
  return { ms: Math.round(a[1] + f * (b[1] - a[1])), published: false };
}

interface RunContext {
  readonly n: number;
  readonly c: BenchCluster;
  readonly emit: (line: ResultLine) => void;
  readonly progress: (msg: string) => void;
  peakRss: number;
}

function sampleRss(ctx: RunContext): void {
  ctx.peakRss = Math.max(ctx.peakRss, process.memoryUsage.rss());
}

function spreadLine(ctx: RunContext, scenario: string, s: Spread): ResultLine {
  const rounds = (ms: number | null) => (ms === null ? null : Number((ms / lan.gossipIntervalMs).toFixed(2)));
  const epi = epidemicRounds(ctx.n);
  const serf = serfModelMs(ctx.n);
  return {
    impl: 'trellis',
    scenario,
    n: ctx.n,
    bringUp: bringUpHow,
    lossRate,
    ms: s.ms,
    rounds: { p999: rounds(s.ms.p999), all: rounds(s.ms.all) },
    observers: s.observers,
    informed: s.informed,
    reference: {
      epidemicRounds: Number(epi.toFixed(2)),
      epidemicMs: Math.round(epi * lan.gossipIntervalMs),
      serfP999Ms: serf.ms,
      serfPublished: serf.published,
    },
    curve: s.curve,
  };
}

/** Runs until no node has news queued (the seeding storm is over), then 2 s more. */
function settle(ctx: RunContext): number {
  const start = ctx.c.sim.now;
  ctx.c.sim.runUntil(
    () => {
      sampleRss(ctx);
      return ctx.c.running().every((x) => x.stats().broadcastQueue === 0);
    },
    { timeoutMs: 120_000, checkEveryMs: 500 },
  );
  ctx.c.sim.run(2000);
  return ctx.c.sim.now - start;
}

function steady(ctx: RunContext, windowMs: number): void {
  const nodes = ctx.c.running();
  const sum = (k: 'bytesOut' | 'bytesIn' | 'packetsOut') => nodes.reduce((a, x) => a + x.stats()[k], 0);
  const [out0, in0, p0] = [sum('bytesOut'), sum('bytesIn'), sum('packetsOut')];
  for (let t = 0; t < windowMs; t += 1000) {
    ctx.c.sim.run(1000);
    sampleRss(ctx);
  }
  const perNodeSec = (d: number) => Number((d / nodes.length / (windowMs / 1000)).toFixed(1));
  ctx.emit({
    impl: 'trellis',
    scenario: 'sim-steady',
    n: ctx.n,
    bringUp: bringUpHow,
    lossRate,
    windowMs,
    bytesPerNodePerSec: perNodeSec(sum('bytesOut') - out0),
    bytesInPerNodePerSec: perNodeSec(sum('bytesIn') - in0),
    packetsPerNodePerSec: perNodeSec(sum('packetsOut') - p0),
  });
}

/** All three scenarios at one size; returns nothing, everything goes through `emit`. */
export function runScale(
  n: number,
  seed: number,
  emit: (line: ResultLine) => void,
  progress: (msg: string) => void,
): void {
  const wall0 = performance.now();
  const c = new BenchCluster({
    seed,
    swim: benchSwim,
    network: { latency: latency.uniform(0.2, 2), lossRate },
    overlays: dcos,
  });
  const ctx: RunContext = { n, c, emit, progress, peakRss: 0 };
  c.bringUp(n, bringUpHow);
  const bringUpWallMs = performance.now() - wall0;
  progress(`n=${n}: ${bringUpHow} bring-up ${(bringUpWallMs / 1000).toFixed(1)} s wall`);
  const settleMs = settle(ctx);
  progress(`n=${n}: queues drained after ${settleMs} virtual ms`);
  steady(ctx, 20_000);
  const onCheck = () => sampleRss(ctx);
  const timeoutMs = 120_000;

  // (a) a new member: node n joins through node 0; the others learn it alive.
  const others = c.running();
  c.add(n, [BenchCluster.addr(0)]);
  const member = measureSpread(c.sim, others, (x) => x.member(`n${n}`)?.status === 'alive', {
    timeoutMs,
    onCheck,
  });
  emit(spreadLine(ctx, 'sim-member', member));
  progress(`n=${n}: member 99.9 % ${member.ms.p999} ms, all ${member.ms.all} ms`);
  c.sim.run(5000);

  // (b) a route record: node 1 publishes; the record arrives in the others' replicated tables.
  const publisher = c.node(1);
  publisher.stores.routes.publish('dcos', { underlayIp: '192.168.0.2' });
  const routeObservers = c.running().filter((x) => x !== publisher);
  const route = measureSpread(
    c.sim,
    routeObservers,
    (x) => x.stores.routes.record('dcos', 'n1') !== undefined,
    {
      timeoutMs,
      onCheck,
    },
  );
  emit(spreadLine(ctx, 'sim-route', route));
  progress(`n=${n}: route 99.9 % ${route.ms.p999} ms, all ${route.ms.all} ms`);
  c.sim.run(5000);

  // (c) a death: node 2 crashes; every live node marks it dead.
  c.crash(2);
  const death = measureSpread(c.sim, c.running(), (x) => x.member('n2')?.status === 'dead', {
    timeoutMs: 300_000,
    checkEveryMs: 20,
    onCheck,
  });
  emit(spreadLine(ctx, 'sim-death', death));
  progress(`n=${n}: death 99.9 % ${death.ms.p999} ms, all ${death.ms.all} ms`);
  sampleRss(ctx);
  emit({
    impl: 'trellis',
    scenario: 'sim-cost',
    n,
    bringUp: bringUpHow,
    wallMs: Math.round(performance.now() - wall0),
    bringUpWallMs: Math.round(bringUpWallMs),
    virtualMs: c.sim.now - c.sim.config.epochMs,
    rssBytes: ctx.peakRss,
    events: c.sim.stats().eventsProcessed,
  });
}
