/**
 * Simulated scale: trellis nodes (the real NodeCore + Driver) on the simulator with LAN timers,
 * 1 % loss and 0.2-2 ms latency, at N = 100 ... 5,000. Per N: virtual time and gossip rounds until
 * 99.9 % and 100 % of live nodes know a new member, a new route record and a death; steady-state
 * bytes per node per second; the simulator's wall time and peak RSS. Each N runs in its own
 * process (its RSS is its own, and it gets a large heap). Sizes whose extrapolated wall time
 * does not fit the budget are skipped and recorded as skipped.
 *
 * Usage: node bench/dist/src/sim-convergence.js [--quick] [--budget-min=15] [--heap-mb=20000] [N ...]
 */
import { fork } from 'node:child_process';
import { freemem, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { appendResult, resultsFileFor, type ResultLine } from './results.js';
import { bringUpHow, epidemicRounds, runScale, serfModelMs } from './sim-scale-run.js';

export interface SimConvergenceOptions {
  readonly quick: boolean;
  readonly onProgress: (msg: string) => void;
  readonly sizes?: readonly number[];
  /** Wall-time budget of the whole suite. */
  readonly budgetMs?: number;
  readonly file?: string;
  /** Each size's heap limit (MiB): on a shared machine, lower it so a run cannot starve the rest. */
  readonly heapMb?: number;
}

/** 3,000 is not in the list: a step between 2,000 and 5,000 (the largest, about 12 GiB of member tables). */
export const fullSizes: readonly number[] = [100, 500, 1000, 2000, 3000, 5000];
export const quickSizes: readonly number[] = [100, 500];
const seed = 1;
const defaultHeapMb = 20_000;
const thisFile = fileURLToPath(import.meta.url);

type ChildMessage = { type: 'line'; line: ResultLine } | { type: 'progress'; msg: string };

function runChild(
  n: number,
  heapMb: number,
  onLine: (l: ResultLine) => void,
  onProgress: (m: string) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = fork(thisFile, ['--child', String(n), String(seed)], {
      // A larger young generation: a simulation's messages live for a few virtual ms, and with
      // the default (16 MiB) scavenges copy them out over and over. Measured on a boot by joins:
      // 500 nodes about 10 % less CPU at 64 MiB; 1,000 nodes' first second 66 -> 55 s at 128 MiB.
      execArgv: [`--max-old-space-size=${heapMb}`, '--max-semi-space-size=64'],
    });
    child.on('message', (m: ChildMessage) => {
      if (m.type === 'line') onLine(m.line);
      else onProgress(m.msg);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`n=${n}: child exited with ${code ?? signal}`)),
    );
  });
}

/** A cost at `n` (wall ms, RSS bytes), extrapolated from the sizes measured so far (power law through the last two). */
function extrapolate(measured: readonly [number, number][], n: number): number {
  const last = measured.at(-1);
  if (last === undefined) return 0;
  const prev = measured.at(-2);
  let k = 2;
  if (prev !== undefined && last[1] > prev[1]) k = Math.log(last[1] / prev[1]) / Math.log(last[0] / prev[0]);
  k = Math.min(2.5, Math.max(1, k));
  return last[1] * (n / last[0]) ** k;
}

export async function runSimConvergence(opts: SimConvergenceOptions): Promise<ResultLine[]> {
  const sizes = opts.sizes ?? (opts.quick ? quickSizes : fullSizes);
  const budgetMs = opts.budgetMs ?? (opts.quick ? 120_000 : 30 * 60_000);
  const file = opts.file ?? resultsFileFor();
  const lines: ResultLine[] = [];
  const record = (l: ResultLine) => {
    appendResult(l, file);
    lines.push(l);
  };
  const measured: [number, number][] = [];
  const rss: [number, number][] = [];
  // Every node holds every member (~700 B of heap each): N x N records in one process.
  const memoryMax = Math.min(totalmem() * 0.75, freemem() * 0.9);
  const start = performance.now();
  opts.onProgress(`cluster bring-up: ${bringUpHow} (see bench/README.md); budget ${budgetMs / 60_000} min`);
  for (const n of sizes) {
    const elapsed = performance.now() - start;
    const estimate = extrapolate(measured, n);
    const rssEstimate = extrapolate(rss, n);
    const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
    const reason =
      elapsed + estimate > budgetMs
        ? `extrapolated wall time ${(estimate / 60_000).toFixed(1)} min would exceed the ${(budgetMs / 60_000).toFixed(0)} min budget (${(elapsed / 60_000).toFixed(1)} min used)`
        : rssEstimate > memoryMax
          ? `extrapolated peak RSS ${gib(rssEstimate)} exceeds the ${gib(memoryMax)} this machine can give it`
          : undefined;
    if (reason !== undefined) {
      opts.onProgress(`n=${n}: skipped: ${reason}`);
      record({ impl: 'trellis', scenario: 'sim-skipped', n, reason });
      continue;
    }
    if (estimate > 0)
      opts.onProgress(
        `n=${n}: estimated ${(estimate / 1000).toFixed(0)} s wall, ${gib(rssEstimate)} peak RSS`,
      );
    const t0 = performance.now();
    try {
      await runChild(n, opts.heapMb ?? defaultHeapMb, record, opts.onProgress);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      opts.onProgress(`n=${n}: failed: ${reason}`);
      record({ impl: 'trellis', scenario: 'sim-skipped', n, reason });
      continue;
    }
    measured.push([n, performance.now() - t0]);
    const cost = lines.find((l) => l.scenario === 'sim-cost' && l.n === n);
    if (typeof cost?.rssBytes === 'number') rss.push([n, cost.rssBytes]);
  }
  return lines;
}

/** The table printed at the end of a run. */
export function formatSimTable(lines: readonly ResultLine[]): string {
  const s = (v: unknown) => (typeof v === 'number' ? (v / 1000).toFixed(2) : 'n/a');
  const out = [
    'N      | member 99.9%/all s | route 99.9%/all s | death 99.9%/all s | epidemic s | Serf s | B/node/s | wall s | RSS MiB',
  ];
  const ns = [...new Set(lines.map((l) => l.n as number))].sort((a, b) => a - b);
  for (const n of ns) {
    const get = (sc: string) => lines.find((l) => l.n === n && l.scenario === sc);
    const ms = (sc: string) => {
      const l = get(sc) as { ms?: { p999: unknown; all: unknown } } | undefined;
      return `${s(l?.ms?.p999)} / ${s(l?.ms?.all)}`;
    };
    const cost = get('sim-cost') as { wallMs?: number; rssBytes?: number } | undefined;
    const steady = get('sim-steady') as { bytesPerNodePerSec?: number } | undefined;
    if (get('sim-skipped') && !cost) {
      out.push(`${String(n).padEnd(6)} | skipped: ${String(get('sim-skipped')?.reason)}`);
      continue;
    }
    out.push(
      [
        String(n).padEnd(6),
        ms('sim-member').padEnd(18),
        ms('sim-route').padEnd(17),
        ms('sim-death').padEnd(17),
        ((epidemicRounds(n) * 200) / 1000).toFixed(2).padEnd(10),
        `${(serfModelMs(n).ms / 1000).toFixed(1)}${serfModelMs(n).published ? '' : '*'}`.padEnd(6),
        String(steady?.bytesPerNodePerSec ?? 'n/a').padEnd(8),
        s(cost?.wallMs).padEnd(6),
        cost?.rssBytes === undefined ? 'n/a' : (cost.rssBytes / 2 ** 20).toFixed(0),
      ].join(' | '),
    );
  }
  return out.join('\n');
}

function childMain(n: number, childSeed: number): void {
  const send = (m: ChildMessage) => process.send?.(m);
  runScale(
    n,
    childSeed,
    (line) => send({ type: 'line', line }),
    (msg) => send({ type: 'progress', msg }),
  );
  process.disconnect();
}

async function cliMain(argv: readonly string[]): Promise<void> {
  const quick = argv.includes('--quick');
  const budget = argv.find((a) => a.startsWith('--budget-min='));
  const heap = argv.find((a) => a.startsWith('--heap-mb='));
  const sizes = argv.filter((a) => /^\d+$/.test(a)).map(Number);
  const t0 = performance.now();
  const lines = await runSimConvergence({
    quick,
    onProgress: (m) => console.log(`[sim ${((performance.now() - t0) / 1000).toFixed(0)} s] ${m}`),
    ...(sizes.length > 0 ? { sizes } : {}),
    ...(budget ? { budgetMs: Number(budget.split('=')[1]) * 60_000 } : {}),
    ...(heap ? { heapMb: Number(heap.split('=')[1]) } : {}),
  });
  console.log(formatSimTable(lines));
  console.log('* Serf figure log-interpolated between its published points (100, 1,000, 10,000).');
}

if (process.argv[1] === thisFile) {
  const argv = process.argv.slice(2);
  if (argv[0] === '--child') childMain(Number(argv[1]), Number(argv[2]));
  else await cliMain(argv);
}
