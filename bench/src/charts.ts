/**
 * Charts from a results file, as SVG in bench/results/: vega-lite specs compiled to vega and
 * rendered headless. Every chart tolerates missing scenarios: no data, no chart.
 *
 * Usage: node bench/dist/src/charts.js [results.jsonl]   (default: the newest file)
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { median } from './delay-spread.js';
import { latestResultsFile, readResults, resultsDir, type ResultLine } from './results.js';
import { latestPeersRun } from './udp-comparison.js';

type Row = Record<string, string | number>;

async function render(spec: TopLevelSpec, name: string): Promise<string> {
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const path = join(resultsDir, name);
  writeFileSync(path, svg);
  return name;
}

/** The newest line of each (scenario, n), so a re-run replaces older figures. */
function latest(lines: readonly ResultLine[], scenario: string): ResultLine[] {
  const byN = new Map<unknown, ResultLine>();
  for (const l of lines) if (l.scenario === scenario) byN.set(l.n, l);
  return [...byN.values()].sort((a, b) => (a.n as number) - (b.n as number));
}

const what: Readonly<Record<string, string>> = {
  'sim-member': 'a new member',
  'sim-route': 'a new route record',
  'sim-death': 'a death',
};

function curveSpec(lines: readonly ResultLine[], scenario: string): TopLevelSpec | undefined {
  const values: Row[] = [];
  for (const l of latest(lines, scenario))
    for (const [ms, f] of (l.curve as [number, number][] | undefined) ?? [])
      values.push({ n: `N=${String(l.n)}`, order: l.n as number, s: ms / 1000, f });
  if (values.length === 0) return undefined;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `Simulated: fraction of live nodes that know ${what[scenario] ?? scenario}`,
    width: 520,
    height: 260,
    data: { values },
    mark: { type: 'line', interpolate: 'step-after' },
    encoding: {
      x: { field: 's', type: 'quantitative', title: 'virtual seconds since the event' },
      y: { field: 'f', type: 'quantitative', title: 'informed fraction', scale: { domain: [0, 1] } },
      color: { field: 'n', type: 'nominal', title: 'cluster', sort: { field: 'order' } },
    },
  };
}

function lineSpec(title: string, yTitle: string, values: Row[], logY = false): TopLevelSpec | undefined {
  if (values.length === 0) return undefined;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 520,
    height: 260,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'n', type: 'quantitative', title: 'nodes', scale: { type: 'log' } },
      y: { field: 'v', type: 'quantitative', title: yTitle, ...(logY ? { scale: { type: 'log' } } : {}) },
      color: { field: 'series', type: 'nominal', title: null },
      strokeDash: { field: 'kind', type: 'nominal', title: null },
    },
  };
}

function timesVsN(lines: readonly ResultLine[], scenarios: readonly string[], refs: boolean): Row[] {
  const values: Row[] = [];
  for (const sc of scenarios)
    for (const l of latest(lines, sc)) {
      const ms = l.ms as { p999: number | null; all: number | null } | undefined;
      const n = l.n as number;
      if (typeof ms?.p999 === 'number')
        values.push({ n, v: ms.p999 / 1000, series: `${sc} 99.9 %`, kind: 'trellis' });
      if (typeof ms?.all === 'number')
        values.push({ n, v: ms.all / 1000, series: `${sc} 100 %`, kind: 'trellis' });
      const ref = l.reference as { epidemicMs: number; serfP999Ms: number } | undefined;
      if (refs && ref && sc === scenarios[0]) {
        values.push({
          n,
          v: ref.epidemicMs / 1000,
          series: 'epidemic bound log3(N) rounds',
          kind: 'reference',
        });
        values.push({ n, v: ref.serfP999Ms / 1000, series: "Serf's model 99.9 %", kind: 'reference' });
      }
    }
  return values;
}

/**
 * Real UDP, LAN: the median over repetitions of each implementation's figure, memberlist's from
 * its rows of the same run (the lines given are one run's; see `latestPeersRun`).
 */
function udpValues(lines: readonly ResultLine[]): Row[] {
  const values: Row[] = [];
  const pick: [string, string, string][] = [
    ['join', 'converge', 'join converge'],
    ['fail', 'max', 'fail max'],
    ['broadcast', 'max', 'broadcast max'],
  ];
  for (const [scenario, field, series] of pick) {
    const byKey = new Map<string, { n: number; impl: string; xs: number[] }>();
    for (const l of lines) {
      const v = (l.ms as Record<string, unknown> | undefined)?.[field];
      if (l.scenario !== scenario || (l.profile ?? 'lan') !== 'lan' || typeof v !== 'number') continue;
      if (scenario !== 'join' && l.missed !== 0) continue;
      const key = `${l.impl}/${String(l.n)}`;
      const e = byKey.get(key) ?? { n: l.n as number, impl: l.impl, xs: [] };
      e.xs.push(v);
      byKey.set(key, e);
    }
    for (const { n, impl, xs } of byKey.values())
      values.push({ n, v: median(xs)! / 1000, series, kind: impl });
  }
  return values;
}

/** Renders every chart the file has data for; returns the SVG file names written. */
export async function renderCharts(lines: readonly ResultLine[]): Promise<string[]> {
  const specs: [TopLevelSpec | undefined, string][] = [
    [curveSpec(lines, 'sim-member'), 'sim-curve-member.svg'],
    [curveSpec(lines, 'sim-route'), 'sim-curve-route.svg'],
    [curveSpec(lines, 'sim-death'), 'sim-curve-death.svg'],
    [
      lineSpec(
        'Simulated: news reaches 99.9 % / 100 % of nodes (LAN, 1 % loss)',
        'virtual seconds',
        timesVsN(lines, ['sim-member', 'sim-route'], true),
      ),
      'sim-dissemination-vs-n.svg',
    ],
    [
      lineSpec(
        'Simulated: crash to dead everywhere (LAN, 1 % loss)',
        'virtual seconds',
        timesVsN(lines, ['sim-death'], false),
      ),
      'sim-detection-vs-n.svg',
    ],
    [
      lineSpec(
        'Simulated: steady-state bytes sent per node per second',
        'bytes / node / s',
        latest(lines, 'sim-steady').map((l) => ({
          n: l.n as number,
          v: l.bytesPerNodePerSec as number,
          series: 'trellis (sent)',
          kind: 'trellis',
        })),
      ),
      'sim-bytes-vs-n.svg',
    ],
    [
      lineSpec(
        'Real UDP on loopback (LAN): trellis beside memberlist, one run (medians)',
        'seconds',
        udpValues(latestPeersRun(lines)),
        true,
      ),
      'udp-vs-memberlist.svg',
    ],
  ];
  const written: string[] = [];
  for (const [spec, name] of specs) if (spec) written.push(await render(spec, name));
  return written;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2] ?? latestResultsFile();
  if (file === undefined) throw new Error('no results file in bench/results');
  const { lines, skipped } = readResults(file);
  const written = await renderCharts(lines);
  console.log(`${file}: ${lines.length} lines (${skipped} unreadable); wrote ${written.join(', ')}`);
}
