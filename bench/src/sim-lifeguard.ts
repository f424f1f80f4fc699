/**
 * False positives under slow members, Lifeguard on and off: 100 simulated nodes, 10 virtual
 * minutes, 5 % loss, and 5 nodes that stall for 2 s every 10 s (their timers stop and their
 * traffic queues, like a GC pause or a blocked event loop; see sim-lifeguard.test.ts). Every
 * node is healthy, so every death is false; suspicions are counted too. Operating points: LAN
 * defaults (suspicionMult α = 3, K = 3 confirmations), memberlist's LAN (α = 4, K = 2), the
 * Lifeguard paper's (α = 2, K = 4), and a tight one whose minimum suspicion equals the stall
 * (quick mode: LAN and tight, one seed).
 *
 * Usage: node bench/dist/src/sim-lifeguard.js [--quick]
 */
import { fileURLToPath } from 'node:url';
import { Rng } from '@trellis/runtime';
import { latency } from '@trellis/sim';
import type { SwimConfig } from '@trellis/swim';
import { appendResult, resultsFileFor, type ResultLine } from './results.js';
import { BenchCluster } from './sim-cluster.js';

export interface LifeguardOptions {
  readonly quick: boolean;
  readonly onProgress: (msg: string) => void;
  readonly file?: string;
}

const nodes = 100;
const windowMs = 600_000;
const stallMs = 2000;
const stallEveryMs = 10_000;
const stalled = [10, 30, 50, 70, 90];
const lossRate = 0.05;
export const paperRatio = 50;

export const operatingPoints: Readonly<Record<string, Partial<SwimConfig>>> = {
  lan: {},
  memberlist: { suspicionMult: 4, suspicionConfirmations: 2 },
  paper: { suspicionMult: 2, suspicionConfirmations: 4 },
  // Suspicion min = 1 x log10(100) x 1 s = 2 s, the stall's length: plain SWIM's fixed timeout
  // can now expire before a stalled node is back to refute.
  tight: { suspicionMult: 1, suspicionConfirmations: 3 },
};
const quickPoints = ['lan', 'tight'];

interface Counts {
  /** Distinct (member, incarnation) declared dead: stalled members, and the others. */
  falseDeathsStalled: number;
  falseDeathsOther: number;
  /** Distinct (member, incarnation) suspected. */
  suspicions: number;
  /** Local suspicion timers that expired into a death, summed over nodes. */
  deathsDeclared: number;
  suspicionsRaised: number;
  refutations: number;
}

function runOne(seed: number, lifeguard: boolean, point: Partial<SwimConfig>): Counts {
  const c = new BenchCluster({
    seed,
    swim: { ...point, lifeguard },
    network: { latency: latency.uniform(0.2, 2), lossRate: 0 },
  });
  c.bringUp(nodes, 'join', 25, 500);
  c.sim.runUntil(() => c.convergedFraction(nodes) === 1, { timeoutMs: 30_000, checkEveryMs: 100 });
  c.sim.setLossRate(lossRate);
  c.sim.run(5000);
  const start = c.sim.now;
  const died = new Set<string>();
  const diedStalled = new Set<string>();
  const suspected = new Set<string>();
  const stalledIds = new Set(stalled.map((i) => `n${i}`));
  const before = c.running().map((x) => x.stats().swim);
  for (const node of c.running())
    node.on('member', (e) => {
      const key = `${e.member.id}@${e.member.incarnation}`;
      if (e.type === 'memberSuspected') suspected.add(key);
      if (e.type !== 'memberDied') return;
      (stalledIds.has(e.member.id) ? diedStalled : died).add(key);
    });
  // Each stalled node keeps its own phase within the 10 s period.
  const rng = Rng.fromSeed(seed).fork('stalls');
  const actions: [number, () => void][] = [];
  for (const i of stalled) {
    const addr = BenchCluster.addr(i);
    for (let t = rng.int(0, stallEveryMs); t + stallMs < windowMs; t += stallEveryMs) {
      actions.push([start + t, () => (c.node(i).pause(), c.sim.hold(addr))]);
      actions.push([start + t + stallMs, () => (c.node(i).resume(), c.sim.release(addr))]);
    }
  }
  actions.sort((a, b) => a[0] - b[0]);
  for (const [at, act] of actions) {
    c.sim.run(at - c.sim.now);
    act();
  }
  c.sim.run(start + windowMs - c.sim.now);
  const after = c.running().map((x) => x.stats().swim);
  const delta = (k: 'deathsDeclared' | 'suspicionsRaised' | 'refutations') =>
    after.reduce((a, s, i) => a + s[k] - before[i]![k], 0);
  return {
    falseDeathsStalled: diedStalled.size,
    falseDeathsOther: died.size,
    suspicions: suspected.size,
    deathsDeclared: delta('deathsDeclared'),
    suspicionsRaised: delta('suspicionsRaised'),
    refutations: delta('refutations'),
  };
}

export function runLifeguard(opts: LifeguardOptions): Promise<ResultLine[]> {
  const seeds = opts.quick ? [1] : [1, 2, 3];
  const file = opts.file ?? resultsFileFor();
  const lines: ResultLine[] = [];
  for (const [pointName, point] of Object.entries(operatingPoints)) {
    if (opts.quick && !quickPoints.includes(pointName)) continue;
    for (const lifeguard of [true, false]) {
      for (const seed of seeds) {
        const wall0 = performance.now();
        const counts = runOne(seed, lifeguard, point);
        const line: ResultLine = {
          impl: 'trellis',
          scenario: 'lifeguard-fp',
          lifeguard,
          point: pointName,
          config: point,
          seed,
          n: nodes,
          virtualMs: windowMs,
          lossRate,
          stalled: stalled.length,
          stallMs,
          stallEveryMs,
          ...counts,
          wallMs: Math.round(performance.now() - wall0),
        };
        appendResult(line, file);
        lines.push(line);
        opts.onProgress(
          `${pointName} lifeguard ${lifeguard ? 'on ' : 'off'} seed ${seed}: false deaths ${counts.falseDeathsStalled} stalled + ${counts.falseDeathsOther} other, suspicions ${counts.suspicions} (${(line.wallMs as number) / 1000} s wall)`,
        );
      }
    }
  }
  return Promise.resolve(lines);
}

/** Totals per operating point and mode, and the off/on ratios beside the paper's ~50x. */
export function formatLifeguardTable(lines: readonly ResultLine[]): string {
  const rows = ['point | lifeguard | seeds | false deaths (stalled + other) | suspicions | deaths declared'];
  const ratios: string[] = [];
  for (const point of Object.keys(operatingPoints)) {
    const sums: Record<string, { deaths: number; susp: number }> = {};
    for (const lg of [true, false]) {
      const ls = lines.filter(
        (l) => l.scenario === 'lifeguard-fp' && l.point === point && l.lifeguard === lg,
      );
      if (ls.length === 0) continue;
      const sum = (k: keyof Counts) => ls.reduce((a, l) => a + ((l[k] as number | undefined) ?? 0), 0);
      const deaths = sum('falseDeathsStalled') + sum('falseDeathsOther');
      sums[String(lg)] = { deaths, susp: sum('suspicions') };
      rows.push(
        `${point} | ${lg ? 'on' : 'off'} | ${ls.length} | ${deaths} (${sum('falseDeathsStalled')} + ${sum('falseDeathsOther')}) | ${sum('suspicions')} | ${sum('deathsDeclared')}`,
      );
    }
    const on = sums.true;
    const off = sums.false;
    if (on && off) {
      const r = (a: number, b: number) => (b === 0 ? (a === 0 ? '0/0' : `${a}/0`) : `${(a / b).toFixed(1)}x`);
      ratios.push(
        `${point}: off/on false deaths ${r(off.deaths, on.deaths)}, suspicions ${r(off.susp, on.susp)} (paper ~${paperRatio}x)`,
      );
    }
  }
  return [...rows, ...ratios].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const t0 = performance.now();
  const lines = await runLifeguard({
    quick: process.argv.includes('--quick'),
    onProgress: (m) => console.log(`[lifeguard ${((performance.now() - t0) / 1000).toFixed(0)} s] ${m}`),
  });
  console.log(formatLifeguardTable(lines));
}
