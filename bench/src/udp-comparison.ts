/**
 * trellis beside memberlist, from the rows of one run: per metric, profile, N and implementation,
 * our median over the repetitions, memberlist's, and the ratio with its spread. Repetitions are
 * paired (rep r of trellis ran right before or after rep r of memberlist), so the ratio is taken
 * per repetition: the median of those ratios, and their min-max. A drift of the machine between
 * repetitions moves both sides of a pair alike.
 */
import type { ResultLine } from './results.js';
import { median } from './delay-spread.js';
import { describeTarget, metrics, type Metric } from './peer-targets.js';

export const peerImpl = 'memberlist';

export interface Comparison {
  readonly metric: Metric;
  readonly profile: string;
  readonly n: number;
  readonly impl: string;
  /** Repetitions with a figure, of those run. */
  readonly runs: readonly [number, number];
  readonly ours: number | undefined;
  readonly theirs: number | undefined;
  readonly ratio: number | undefined;
  readonly spread: readonly [number, number] | undefined;
  readonly met: 'yes' | 'NO' | 'NO (failed runs)' | 'no peer' | '-';
}

const pairKey = (l: ResultLine): string => `${String(l.run)}/${String(l.rep)}`;

function judge(metric: Metric, c: Omit<Comparison, 'met'>, failed: boolean): Comparison['met'] {
  const target = metrics[metric].target;
  if (target === undefined) return '-';
  if (failed || c.ours === undefined) return 'NO (failed runs)';
  if (target.kind === 'zero') return c.ours === 0 ? 'yes' : 'NO';
  if (c.ratio === undefined) return 'no peer';
  return c.ratio <= target.max ? 'yes' : 'NO';
}

function compareOne(metric: Metric, lines: readonly ResultLine[], impl: string): Comparison {
  const m = metrics[metric];
  const [ours, theirs] = [impl, peerImpl].map((who) => {
    const byRep = new Map<string, number>();
    for (const l of lines) {
      const v = l.impl === who ? m.value(l) : undefined;
      if (v !== undefined) byRep.set(pairKey(l), v);
    }
    return byRep;
  });
  const runs = lines.filter((l) => l.impl === impl).length;
  const ratios = [...ours!]
    .map(([k, v]) => [v, theirs!.get(k)] as const)
    .filter((p): p is readonly [number, number] => p[1] !== undefined && p[1] > 0)
    .map(([a, b]) => a / b);
  // Zero targets must hold in every run: show the worst.
  const agg = (xs: number[]) =>
    m.target?.kind === 'zero' ? (xs.length > 0 ? Math.max(...xs) : undefined) : median(xs);
  const c = {
    metric,
    profile: String(lines[0]?.profile),
    n: Number(lines[0]?.n),
    impl,
    runs: [ours!.size, runs] as const,
    ours: agg([...ours!.values()]),
    theirs: agg([...theirs!.values()]),
    // A count that must be 0 has no meaningful ratio.
    ratio: m.target?.kind === 'zero' ? undefined : median(ratios),
    spread:
      m.target?.kind !== 'zero' && ratios.length > 0
        ? ([Math.min(...ratios), Math.max(...ratios)] as const)
        : undefined,
  };
  return { ...c, met: judge(metric, c, ours!.size < runs) };
}

/** Every comparison the lines allow, in metric order, then profile and N. */
export function comparisons(lines: readonly ResultLine[]): Comparison[] {
  const out: Comparison[] = [];
  for (const metric of Object.keys(metrics) as Metric[]) {
    const m = metrics[metric];
    const these = lines.filter((l) => l.scenario === m.scenario);
    const keys = [...new Set(these.map((l) => `${String(l.profile)}/${String(l.n)}`))].sort((a, b) =>
      a.localeCompare(b, 'en', { numeric: true }),
    );
    for (const key of keys) {
      const group = these.filter((l) => `${String(l.profile)}/${String(l.n)}` === key);
      const impls = [...new Set(group.map((l) => l.impl))].filter((i) => i !== peerImpl && m.impls(i));
      // trellis first, then its variants.
      impls.sort((a, b) => (a === 'trellis' ? -1 : b === 'trellis' ? 1 : a.localeCompare(b)));
      for (const impl of impls) out.push(compareOne(metric, group, impl));
    }
  }
  return out;
}

const fmt = (v: number | undefined): string => (v === undefined ? '-' : String(Math.round(v * 10) / 10));

/** The table `bench:peers` prints and the README shows. */
export function comparisonTable(lines: readonly ResultLine[]): string {
  const rows = [
    ['metric', 'profile', 'n', 'impl', 'runs', 'ours', 'memberlist', 'ratio', 'spread', 'target', 'met'],
  ];
  for (const c of comparisons(lines))
    rows.push([
      `${c.metric} (${metrics[c.metric].unit})`,
      c.profile,
      String(c.n),
      c.impl,
      `${c.runs[0]}/${c.runs[1]}`,
      fmt(c.ours),
      fmt(c.theirs),
      c.ratio === undefined ? '-' : c.ratio.toFixed(2),
      c.spread === undefined ? '-' : `${c.spread[0].toFixed(2)}-${c.spread[1].toFixed(2)}`,
      describeTarget(metrics[c.metric]),
      c.met,
    ]);
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The lines of the newest run (by `run` id) that has real-UDP rows; older runs are not mixed in. */
export function latestPeersRun(lines: readonly ResultLine[]): ResultLine[] {
  const udp = new Set(['join', 'steady', 'broadcast', 'fail', 'churn-fp']);
  const runs = lines
    .filter((l) => udp.has(l.scenario) && typeof l.run === 'string')
    .map((l) => l.run as string);
  const latest = runs.sort().at(-1);
  return latest === undefined ? [] : lines.filter((l) => l.run === latest && udp.has(l.scenario));
}
