/** Our figures against memberlist's: the table `bench:convergence` prints and the README shows. */
import type { ResultLine } from './results.js';
import { median } from './delay-spread.js';
import { memberlistReference, metrics, type Metric } from './memberlist-reference.js';
import type { Profile } from './udp-plan.js';

/** The trellis figure for one metric of one run line, if it has it. */
function figure(l: ResultLine, metric: Metric): number | undefined {
  const ms = l.ms as Record<string, number | undefined> | undefined;
  switch (metric) {
    case 'join.converge':
      return l.scenario === 'join' ? ms?.converge : undefined;
    case 'fail.max':
      return l.scenario === 'fail' && l.missed === 0 ? ms?.max : undefined;
    case 'broadcast.max':
      return l.scenario === 'broadcast' && l.missed === 0 ? ms?.max : undefined;
    case 'broadcast.missed':
      return l.scenario === 'broadcast' ? (l.missed as number | undefined) : undefined;
    case 'steady.bytes':
      return l.scenario === 'steady'
        ? (l.bytes as { perNodePerSec: number } | undefined)?.perNodePerSec
        : undefined;
    case 'churn.falseDeaths':
      return l.scenario === 'churn-fp' ? (l.falseDeaths as { load: number } | undefined)?.load : undefined;
  }
}

/** Per metric, profile and N: our median over the repetitions, the reference, the ratio, the verdict. */
export function comparisonTable(lines: readonly ResultLine[]): string {
  const rows = [['metric', 'profile', 'n', 'runs', 'trellis', 'memberlist', 'ratio', 'target', 'met']];
  for (const metric of Object.keys(metrics) as Metric[]) {
    const m = metrics[metric];
    const runs = lines.filter((l) => l.scenario === m.scenario);
    const keys = [...new Set(runs.map((l) => `${String(l.profile)}/${String(l.n)}`))];
    for (const key of keys) {
      const [profile, n] = [key.split('/')[0] as Profile, Number(key.split('/')[1])];
      const these = runs.filter((l) => l.profile === profile && l.n === n);
      const values = these.map((l) => figure(l, metric)).filter((v) => v !== undefined);
      const failed = these.length - values.length;
      // Absolute targets (no miss, no false death) must hold in every run: show the worst.
      const ours = m.absolute ? (values.length > 0 ? Math.max(...values) : undefined) : median(values);
      const ref = memberlistReference.find(
        (r) => r.profile === profile && r.n === n && r.metric === metric,
      )?.value;
      const judged = ref !== undefined || m.absolute;
      const met =
        ours === undefined || failed > 0 ? 'NO (failed runs)' : m.met(ours, ref ?? 0) ? 'yes' : 'NO';
      rows.push([
        `${metric} (${m.unit})`,
        profile,
        String(n),
        `${values.length}/${these.length}`,
        ours === undefined ? '-' : String(Math.round(ours * 10) / 10),
        ref === undefined ? '-' : String(ref),
        ours === undefined || ref === undefined || ref === 0 ? '-' : (ours / ref).toFixed(2),
        judged ? m.target : 'no ref',
        judged ? met : '-',
      ]);
    }
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => cell.padEnd(widths[i]!)).join('  ')).join('\n');
}
