/**
 * `npm run bench:peers`: memberlist and trellis on loopback UDP, interleaved per size and
 * repetition in one invocation, so every ratio compares two figures measured minutes apart on
 * the same machine (its load drifts from run to run; other people use its 2 cores). Per size
 * and repetition: one memberlist cluster and one trellis cluster (join, steady, broadcast, fail),
 * in alternating order, then a trellis cluster with identity on (join only); then churn-fp,
 * alternating too. Every line carries the same `run` id and its `impl`; at the end the ratios,
 * the chart and bench/README.md's peers section come from this run's lines.
 *
 * Usage: node bench/dist/src/peers.js [--quick] [--sizes=16,64] [--reps=3] [--profiles=lan]
 * [--no-churn] [--no-identity] [--mult=4,1] [--check]. `--mult`: also trellis at these suspicion
 * multipliers (join, fail, churn-fp). `--check`: build the peer, say what would run, stop. `--report`: only re-render the chart and the
 * README's peers section from the newest run in today's results file.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { renderCharts } from './charts.js';
import { runVariant, variantSwim, type Variant } from './peer-variants.js';
import { buildMemberlistHarness, type Harness } from './peer-harness.js';
import { runMemberlist } from './peer-memberlist-run.js';
import { rewritePeersSection } from './peer-report.js';
import { readResults, resultsFileFor, type ResultLine } from './results.js';
import { comparisonTable, latestPeersRun } from './udp-comparison.js';
import { runChurn } from './udp-churn.js';
import { planFor, type Plan, type Profile } from './udp-plan.js';
import { describeRun, loopDelay, reappendMissing, type RunKey } from './udp-result-line.js';
import { runCluster } from './udp-scenarios.js';

export interface PeersOptions {
  readonly quick: boolean;
  readonly sizes?: readonly number[];
  readonly reps?: number;
  readonly profiles?: readonly Profile[];
  readonly churn?: boolean;
  readonly identity?: boolean;
  /** Also trellis at these suspicion multipliers (4 is memberlist's): `trellis+mult<k>` rows. */
  readonly mults?: readonly number[];
}

type PeersPlan = Plan & { readonly variants: readonly Variant[] };

export function peersPlan(o: PeersOptions): PeersPlan {
  const base = planFor(o.quick);
  return {
    ...base,
    profiles: o.profiles ?? ['lan'],
    ...(o.sizes === undefined ? {} : { sizes: o.sizes }),
    ...(o.reps === undefined ? {} : { reps: o.reps }),
    churn: o.churn ?? base.churn,
    variants: [
      ...(o.identity === false ? [] : (['trellis+identity'] as const)),
      ...(o.mults ?? []).map((k) => `trellis+mult${k}` as const),
    ],
  };
}

/** What the peer's absence means, in one line: what to install, and that trellis runs alone. */
export const aloneMessage = (h: Extract<Harness, { ok: false }>): string =>
  `memberlist peer unavailable (${h.reason}); install it with: ${h.install}. Running trellis alone.`;

type Step = (say: (m: string) => void) => Promise<ResultLine[]>;

/** The steps of one size and repetition, memberlist first on odd repetitions. */
function clusterSteps(key: RunKey, plan: PeersPlan, harness: Harness): Step[] {
  const ours: Step = (say) => runCluster(key, plan, say);
  const theirs: Step = async (say) => {
    if (!harness.ok) return [];
    say(`memberlist ${describeRun(key)}: starting`);
    const lines = await runMemberlist(harness.binary, key, plan, { kind: 'cluster' });
    for (const l of lines)
      say(`${l.scenario} memberlist ${describeRun(key)}: ${JSON.stringify(l.ms ?? l.bytes ?? l.error)}`);
    return lines;
  };
  const variants = plan.variants.map(
    (v): Step =>
      (say) =>
        runVariant(v, key, plan, say),
  );
  return [...(key.rep % 2 === 1 ? [theirs, ours] : [ours, theirs]), ...variants];
}

function churnSteps(key: RunKey, plan: PeersPlan, harness: Harness): Step[] {
  const ours: Step = async (say) => [await runChurn(key, plan, say)];
  const variants = plan.variants.flatMap((impl): Step[] => {
    const swim = variantSwim(impl);
    return swim === undefined ? [] : [async (say) => [await runChurn(key, plan, say, { impl, swim })]];
  });
  const theirs: Step = async (say) => {
    if (!harness.ok) return [];
    const lines = await runMemberlist(harness.binary, key, plan, { kind: 'churn' });
    for (const l of lines)
      say(`churn-fp memberlist ${describeRun(key)}: ${JSON.stringify(l.falseDeaths ?? l.error)}`);
    return lines;
  };
  return [...(key.rep % 2 === 1 ? [theirs, ours] : [ours, theirs]), ...variants];
}

/** Runs the whole plan; returns this run's lines (already appended to the results file). */
export async function runPeers(
  o: PeersOptions,
  say: (msg: string) => void,
): Promise<{ lines: ResultLine[]; harness: Harness; run: string }> {
  const plan = peersPlan(o);
  const harness = await buildMemberlistHarness();
  say(harness.ok ? `memberlist peer built (${harness.goVersion})` : aloneMessage(harness));
  const run = new Date().toISOString();
  const steps: [RunKey, Step][] = [];
  for (const profile of plan.profiles) {
    for (const n of plan.sizes)
      for (let rep = 1; rep <= plan.reps; rep++) {
        const key = { profile, n, rep, quick: plan.quick, run };
        for (const s of clusterSteps(key, plan, harness)) steps.push([key, s]);
      }
    for (let rep = 1; plan.churn && rep <= plan.reps; rep++) {
      const key = { profile, n: plan.churnN, rep, quick: plan.quick, run };
      for (const s of churnSteps(key, plan, harness)) steps.push([key, s]);
    }
  }
  const lines: ResultLine[] = [];
  loopDelay.enable();
  try {
    for (const [, step] of steps) lines.push(...(await step(say)));
  } finally {
    loopDelay.disable();
  }
  const again = reappendMissing(lines);
  if (again > 0) say(`${again} lines had vanished from ${resultsFileFor()}: appended again`);
  return { lines, harness, run };
}

function parseArgs(argv: readonly string[]): PeersOptions & { check: boolean; report: boolean } {
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const sizes = value('sizes')?.split(',').map(Number);
  const reps = value('reps') === undefined ? undefined : Number(value('reps'));
  const profiles = value('profiles')?.split(',');
  const mults = value('mult')?.split(',').map(Number);
  const problems = [
    ...(mults?.some((k) => !Number.isInteger(k) || k < 1 || k > 64) ? ['--mult: integers 1..64'] : []),
    ...(sizes?.some((n) => !Number.isInteger(n) || n < 2 || n > 512) ? ['--sizes: integers 2..512'] : []),
    ...(reps !== undefined && !(Number.isInteger(reps) && reps >= 1) ? ['--reps: an integer >= 1'] : []),
    ...(profiles?.some((p) => p !== 'lan' && p !== 'local') ? ['--profiles: lan, local'] : []),
  ];
  if (problems.length > 0) throw new Error(problems.join('; '));
  return {
    quick: argv.includes('--quick'),
    check: argv.includes('--check'),
    report: argv.includes('--report'),
    ...(sizes === undefined ? {} : { sizes }),
    ...(reps === undefined ? {} : { reps }),
    ...(profiles === undefined ? {} : { profiles: profiles as Profile[] }),
    ...(argv.includes('--no-churn') ? { churn: false } : {}),
    ...(argv.includes('--no-identity') ? { identity: false } : {}),
    ...(mults === undefined ? {} : { mults }),
  };
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2));
  const t0 = performance.now();
  const say = (m: string) =>
    process.stderr.write(`[peers ${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${m}\n`);
  if (opts.report) {
    // Re-render the chart and the README's peers section from the newest run in today's file.
    const file = resultsFileFor();
    const lines = latestPeersRun(readResults(file).lines);
    const run = lines[0]?.run;
    if (typeof run !== 'string') throw new Error(`no peers run in ${file}`);
    console.log(comparisonTable(lines));
    rewritePeersSection(lines, run, file, await renderCharts(lines));
    say(`bench/README.md peers section rewritten from run ${run}`);
    return 0;
  }
  if (opts.check) {
    const h = await buildMemberlistHarness();
    const plan = peersPlan(opts);
    console.log(h.ok ? `memberlist peer: ready (${h.binary}, ${h.goVersion})` : aloneMessage(h));
    console.log(
      `would run: sizes ${plan.sizes.join(', ')}, ${plan.reps} rep(s), profiles ${plan.profiles.join(', ')}`,
    );
    return 0;
  }
  const { lines, run } = await runPeers(opts, say);
  const table = comparisonTable(lines);
  console.log(`\n${table}\n`);
  console.log(
    'ratio: median over repetitions of ours / memberlist in the same repetition; spread: their min-max.',
  );
  const charts = await renderCharts(lines);
  rewritePeersSection(lines, run, resultsFileFor(), charts);
  say(`charts ${charts.join(', ')}; bench/README.md peers section rewritten`);
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
