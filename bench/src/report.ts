/**
 * The generated section of bench/README.md: the latest figures of each suite as markdown tables
 * and the charts, between the `results:begin` / `results:end` markers. Everything comes from a
 * results file; nothing is typed by hand.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ResultLine } from './results.js';
import { resultsDir } from './results.js';
import { epidemicRounds, serfModelMs } from './sim-scale-run.js';
import { operatingPoints, paperRatio } from './sim-lifeguard.js';

export const readmePath = join(resultsDir, '..', 'README.md');

/** The newest line per key, in first-seen key order. */
function newest(lines: readonly ResultLine[], key: (l: ResultLine) => string | undefined): ResultLine[] {
  const m = new Map<string, ResultLine>();
  for (const l of lines) {
    const k = key(l);
    if (k !== undefined) m.set(k, l);
  }
  return [...m.values()];
}

const sec = (v: unknown) => (typeof v === 'number' ? (v / 1000).toFixed(2) : '—');
const rnd = (v: unknown) => (typeof v === 'number' ? (v / 200).toFixed(1) : '—');

function simTable(lines: readonly ResultLine[]): string[] {
  const sim = newest(lines, (l) =>
    l.scenario.startsWith('sim-') ? `${l.scenario}/${String(l.n)}` : undefined,
  );
  const ns = [...new Set(sim.map((l) => l.n as number))].sort((a, b) => a - b);
  if (ns.length === 0) return [];
  const out = [
    '| N | member 99.9 % / all s (rounds) | route 99.9 % / all s (rounds) | death 99.9 % / all s | epidemic bound s (rounds) | Serf 99.9 % s | B/node/s sent | wall s | peak RSS MiB |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const n of ns) {
    const get = (sc: string) => sim.find((l) => l.n === n && l.scenario === sc);
    const cost = get('sim-cost');
    const skipped = get('sim-skipped');
    if (cost === undefined && skipped !== undefined) {
      out.push(`| ${n} | not run: ${String(skipped.reason)} |||||||`);
      continue;
    }
    const t = (sc: string, rounds: boolean) => {
      const ms = get(sc)?.ms as { p999?: unknown; all?: unknown } | undefined;
      const r = rounds ? ` (${rnd(ms?.p999)} / ${rnd(ms?.all)})` : '';
      return `${sec(ms?.p999)} / ${sec(ms?.all)}${r}`;
    };
    const serf = serfModelMs(n);
    const epi = epidemicRounds(n);
    out.push(
      `| ${n} | ${t('sim-member', true)} | ${t('sim-route', true)} | ${t('sim-death', false)} | ${((epi * 200) / 1000).toFixed(2)} (${epi.toFixed(1)}) | ${(serf.ms / 1000).toFixed(1)}${serf.published ? '' : '\\*'} | ${typeof get('sim-steady')?.bytesPerNodePerSec === 'number' ? String(get('sim-steady')?.bytesPerNodePerSec) : '—'} | ${sec(cost?.wallMs)} | ${typeof cost?.rssBytes === 'number' ? (cost.rssBytes / 2 ** 20).toFixed(0) : '—'} |`,
    );
  }
  const how = sim.find((l) => typeof l.bringUp === 'string')?.bringUp as string | undefined;
  out.push(
    '',
    `Cluster bring-up: \`${how ?? '?'}\` (see "Simulated scale" above). \\* Serf figure log-interpolated between its published points.`,
  );
  return out;
}

function lifeguardTable(lines: readonly ResultLine[]): string[] {
  const lg = newest(lines, (l) =>
    l.scenario === 'lifeguard-fp' ? `${String(l.point)}/${String(l.lifeguard)}/${String(l.seed)}` : undefined,
  );
  if (lg.length === 0) return [];
  const out = [
    '| operating point | Lifeguard | seeds | false deaths: stalled + other | suspicions | off / on (per-seed means) |',
    '|---|---|---|---|---|---|',
  ];
  for (const point of Object.keys(operatingPoints)) {
    const sum = (on: boolean, k: string) =>
      lg
        .filter((l) => l.point === point && l.lifeguard === on)
        .reduce((a, l) => a + ((l[k] as number) || 0), 0);
    const count = (on: boolean) => lg.filter((l) => l.point === point && l.lifeguard === on).length;
    if (count(true) + count(false) === 0) continue;
    const ratio = (k: string[]) => {
      // Per-seed means: the two modes may have run a different number of seeds.
      const [a, b] = [false, true].map((on) => k.reduce((s, x) => s + sum(on, x), 0) / count(on));
      return b === 0 ? `${a!.toFixed(1)} / 0` : `${(a! / b!).toFixed(1)}x`;
    };
    for (const on of [true, false]) {
      if (count(on) === 0) continue;
      const cfg = JSON.stringify(operatingPoints[point]);
      out.push(
        `| ${point} ${cfg === '{}' ? '(LAN)' : cfg} | ${on ? 'on' : 'off'} | ${count(on)} | ${sum(on, 'falseDeathsStalled')} + ${sum(on, 'falseDeathsOther')} | ${sum(on, 'suspicions')} | ${on ? '' : `deaths ${ratio(['falseDeathsStalled', 'falseDeathsOther'])}, suspicions ${ratio(['suspicions'])}`} |`,
      );
    }
  }
  out.push('', `The Lifeguard paper reports about ${paperRatio}x fewer false positives with Lifeguard on.`);
  return out;
}

/**
 * The whole generated section (without the markers): the simulated suites. The real-UDP tables
 * against memberlist have their own section (`peer-report.ts`), from one run's rows.
 */
export function resultsSection(
  lines: readonly ResultLine[],
  file: string,
  charts: readonly string[],
): string {
  const parts = [
    `Generated by \`npm run bench\` from \`bench/results/${basename(file)}\` (${new Date().toISOString()}); edits here are overwritten.`,
    '',
  ];
  const sim = simTable(lines);
  if (sim.length > 0) parts.push('### Simulated scale', '', ...sim, '');
  const lg = lifeguardTable(lines);
  if (lg.length > 0) parts.push('### Lifeguard false positives (simulated)', '', ...lg, '');
  if (charts.length > 0) parts.push('### Charts', '', ...charts.map((c) => `![${c}](results/${c})`), '');
  return parts.join('\n');
}

/** Replaces the text between the `<marker>:begin/end` comments (appends them if the README has none). */
export function rewriteReadme(section: string, path: string = readmePath, marker = 'results'): void {
  const begin = `<!-- ${marker}:begin -->`;
  const end = `<!-- ${marker}:end -->`;
  const text = readFileSync(path, 'utf8');
  const i = text.indexOf(begin);
  const j = text.indexOf(end);
  const block = `${begin}\n${section}\n${end}`;
  const next =
    i >= 0 && j > i
      ? text.slice(0, i) + block + text.slice(j + end.length)
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, next);
}
