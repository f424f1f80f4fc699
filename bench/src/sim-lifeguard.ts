/**
 * False positives under slow members, Lifeguard on and off: 100 simulated nodes, 10 virtual
 * minutes, 5 % loss, and 5 nodes that stall for 2 s every 10 s (their timers stop and their
 * traffic queues, like a GC pause or a blocked event loop; see sim-lifeguard.test.ts). Every
 * node is healthy, so every death is false; suspicions are counted too. Operating points: LAN
 * defaults (suspicionMult α = 3, K = 3 confirmations), memberlist's LAN (α = 4, K = 2), the
 * Lifeguard paper's (α = 2, K = 4), and a tight one whose minimum suspicion equals the stall
 * (quick mode: LAN and tight, one seed).
 *
 * After each run a node that never stalls crashes, and the time until all hold it dead is
 * recorded (`detectMs`): the same detector, measured under the same loss.
 *
 * Usage: node bench/dist/src/sim-lifeguard.js [--quick] [--points=lan,tight] [--lifeguard=on,off]
 *   [--seeds=1,2,3] [--file=rows.jsonl]
 *   [--stall-ms=2000]
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
  /** Only these operating points / Lifeguard modes / seeds (default: all, or quick's). */
  readonly points?: readonly string[];
  readonly lifeguard?: readonly boolean[];
  readonly seeds?: readonly number[];
  /** How long each stall lasts (default 2 s): to find the longest stall the defaults survive. */
  readonly stallMs?: number;
}

const nodes = 100;
const windowMs = 600_000;
const defaultStallMs = 2000;
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
  /**
   * After the window, with the same loss: a node that never stalls (n42) crashes; virtual ms
   * from the crash until every other node holds it dead (undefined: not within 60 s).
   */
  detectMs: number | undefined;
}

const victim = 42;

function runOne(seed: number, lifeguard: boolean, point: Partial<SwimConfig>, stallMs: number): Counts {
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
  // Counted before the crash below: the victim's death is a true one.
  const falseDeathsStalled = diedStalled.size;
  const falseDeathsOther = died.size;
  const suspicions = suspected.size;
  const crashedAt = c.sim.now;
  c.crash(victim);
  const seen = c.sim.runUntil(() => c.allSeeDead(`n${victim}`), { timeoutMs: 60_000, checkEveryMs: 10 });
  return {
    detectMs: seen ? c.sim.now - crashedAt : undefined,
    falseDeathsStalled,
    falseDeathsOther,
    suspicions,
    deathsDeclared: delta('deathsDeclared'),
    suspicionsRaised: delta('suspicionsRaised'),
    refutations: delta('refutations'),
  };
}

export function runLifeguard(opts: LifeguardOptions): Promise<ResultLine[]> {
  const seeds = opts.seeds ?? (opts.quick ? [1] : [1, 2, 3]);
  const file = opts.file ?? resultsFileFor();
  const stallMs = opts.stallMs ?? defaultStallMs;
  const lines: ResultLine[] = [];
  for (const [pointName, point] of Object.entries(operatingPoints)) {
    if (
      opts.points !== undefined
        ? !opts.points.includes(pointName)
        : opts.quick && !quickPoints.includes(pointName)
    )
      continue;
    for (const lifeguard of opts.lifeguard ?? [true, false]) {
      for (const seed of seeds) {
        const wall0 = performance.now();
        const counts = runOne(seed, lifeguard, point, stallMs);
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
          `${pointName} lifeguard ${lifeguard ? 'on ' : 'off'} seed ${seed}: false deaths ${counts.falseDeathsStalled} stalled + ${counts.falseDeathsOther} other, suspicions ${counts.suspicions}, crash detected everywhere in ${counts.detectMs ?? '-'} ms (${(line.wallMs as number) / 1000} s wall)`,
        );
      }
    }
  }
  return Promise.resolve(lines);
}

/** Totals per operating point and mode, and the off/on ratios beside the paper's ~50x. */
export function formatLifeguardTable(lines: readonly ResultLine[]): string {
  const rows = [
    'point | lifeguard | seeds | false deaths (stalled + other) | suspicions | deaths declared | crash detected everywhere ms (per seed)',
  ];
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
        `${point} | ${lg ? 'on' : 'off'} | ${ls.length} | ${deaths} (${sum('falseDeathsStalled')} + ${sum('falseDeathsOther')}) | ${sum('suspicions')} | ${sum('deathsDeclared')} | ${ls.map((l) => (l.detectMs as number | undefined) ?? '-').join(' / ')}`,
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
  const list = (name: string): string[] | undefined =>
    process.argv
      .find((a) => a.startsWith(`--${name}=`))
      ?.slice(name.length + 3)
      .split(',');
  const points = list('points');
  const lifeguard = list('lifeguard')?.map((v) => v === 'on');
  const seeds = list('seeds')?.map(Number);
  const file = list('file')?.join(',');
  const stallMs = list('stall-ms')?.map(Number)[0];
  const lines = await runLifeguard({
    quick: process.argv.includes('--quick'),
    ...(points ? { points } : {}),
    ...(lifeguard ? { lifeguard } : {}),
    ...(seeds ? { seeds } : {}),
    ...(file !== undefined ? { file } : {}),
    ...(stallMs !== undefined ? { stallMs } : {}),
    onProgress: (m) => console.log(`[lifeguard ${((performance.now() - t0) / 1000).toFixed(0)} s] ${m}`),
  });
  console.log(formatLifeguardTable(lines));
}
