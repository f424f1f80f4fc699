/**
 * `npm run bench` (full) and `npm run bench:quick` (`--quick`): the real-UDP suite beside
 * memberlist (the peers run, `peers.ts`: both interleaved in this invocation), the simulated scale suite, the Lifeguard false-positive suite, then the charts and
 * the generated section of bench/README.md. `--only=udp,sim,lifeguard,report` runs a subset;
 * the report always reads the whole results file, so earlier suites' figures stay in it.
 */
import { performance } from 'node:perf_hooks';
import { readResults, resultsFileFor, type ResultLine } from './results.js';
import { renderCharts } from './charts.js';
import { resultsSection, rewriteReadme } from './report.js';
import { formatLifeguardTable, runLifeguard } from './sim-lifeguard.js';
import { formatSimTable, runSimConvergence } from './sim-convergence.js';
import { rewritePeersSection } from './peer-report.js';
import { runPeers } from './peers.js';
import { comparisonTable, latestPeersRun } from './udp-comparison.js';

type Suite = 'udp' | 'sim' | 'lifeguard' | 'report';
const suites: readonly Suite[] = ['udp', 'sim', 'lifeguard', 'report'];

const argv = process.argv.slice(2);
const quick = argv.includes('--quick');
const only = argv
  .find((a) => a.startsWith('--only='))
  ?.slice('--only='.length)
  .split(',');
const selected = suites.filter((s) => only === undefined || only.includes(s));
const file = resultsFileFor();
const t0 = performance.now();

function log(suite: string, msg: string): void {
  const s = ((performance.now() - t0) / 1000).toFixed(0).padStart(5);
  console.log(`[${s} s] ${suite.padEnd(9)} ${msg}`);
}

async function runSuite(suite: Suite, body: (say: (m: string) => void) => Promise<void>): Promise<void> {
  if (!selected.includes(suite)) return;
  const start = performance.now();
  log(suite, 'starting');
  try {
    await body((m) => log(suite, m));
    log(suite, `done in ${((performance.now() - start) / 1000).toFixed(0)} s`);
  } catch (error) {
    // One failed suite must not lose the others' figures: report it and go on.
    process.exitCode = 1;
    log(suite, `FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
}

let udpLines: ResultLine[] = [];
let udpRun: string | undefined;
log('bench', `${quick ? 'quick' : 'full'} run: ${selected.join(', ')}; results in ${file}`);
await runSuite('udp', async (say) => {
  const peers = await runPeers({ quick }, say);
  udpLines = peers.lines;
  udpRun = peers.run;
  console.log(comparisonTable(udpLines));
});
await runSuite('sim', async (say) => {
  console.log(formatSimTable(await runSimConvergence({ quick, onProgress: say, file })));
});
await runSuite('lifeguard', async (say) => {
  console.log(formatLifeguardTable(await runLifeguard({ quick, onProgress: say, file })));
});
await runSuite('report', async (say) => {
  const { lines, skipped } = readResults(file);
  say(`${lines.length} result lines (${skipped} unreadable)`);
  const charts = await renderCharts(lines);
  say(`charts: ${charts.join(', ')}`);
  rewriteReadme(resultsSection(lines, file, charts));
  // The peers table comes from one run's rows: this invocation's, or the file's newest run.
  const udp = udpLines.length > 0 ? udpLines : latestPeersRun(lines);
  const run = udpRun ?? (udp[0]?.run as string | undefined);
  if (run !== undefined) rewritePeersSection(udp, run, file, charts);
  say(
    `bench/README.md results section rewritten${run === undefined ? '' : `, peers section from run ${run}`}`,
  );
});
log('bench', `finished in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
