/**
 * Convergence on real UDP, trellis alone: N trellis nodes in one process, each with its own UDP
 * and TCP socket on 127.0.0.1, run through memberlist's scenarios with memberlist's definitions
 * (`peers.ts` runs memberlist beside it in the same invocation; this file is the trellis half):
 *
 * - `join`: start N nodes, each joins node 0 right after it starts; `ms.converge` runs from the
 *   last join call until every node lists N alive members.
 * - `steady`: the converged cluster idles; bytes and packets each node sends per second.
 * - `broadcast`: node 0 publishes one route record; when each of the N-1 others holds it.
 * - `fail`: one node stops abruptly (no leave); when the first, median and last other marks it dead.
 * - `churn-fp`: 64 idle nodes, then the same under CPU load; healthy nodes marked dead, suspicions.
 *
 * One cluster serves join, steady, broadcast and fail in that order; churn-fp gets its own.
 * Usage: node bench/dist/src/udp-convergence.js [--quick] [--sizes=16,64] [--profiles=lan]
 * [--no-churn]. One JSON line per run and scenario goes to bench/results/<date>.jsonl as it
 * finishes. Node ids are `<profile><n>r<rep>-<index>`: ids travel in every ping and ack, so each
 * character of id length costs about 3 B per node per second at idle.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { resultsFileFor, type ResultLine } from './results.js';
import { runChurn } from './udp-churn.js';
import { comparisonTable } from './udp-comparison.js';
import { planFor, type Profile } from './udp-plan.js';
import { describeRun, loopDelay, reappendMissing } from './udp-result-line.js';
import { runCluster } from './udp-scenarios.js';

export { comparisonTable } from './udp-comparison.js';

/** Which part of the plan to run (default: all of it); for re-running one part by hand. */
export interface Subset {
  readonly sizes?: readonly number[];
  readonly profiles?: readonly Profile[];
  readonly churn?: boolean;
}

/** Runs every scenario of the plan (`quick`: N 16 and 64, lan, one repetition, short phases). */
export async function runUdpConvergence(opts: {
  quick: boolean;
  onProgress: (msg: string) => void;
  only?: Subset;
}): Promise<ResultLine[]> {
  const plan = { ...planFor(opts.quick), ...opts.only };
  const start = performance.now();
  const run = new Date().toISOString();
  const say = (msg: string): void =>
    opts.onProgress(`[${((performance.now() - start) / 1000).toFixed(0).padStart(4)} s] ${msg}`);
  const out: ResultLine[] = [];
  loopDelay.enable();
  try {
    for (const profile of plan.profiles) {
      for (const n of plan.sizes) {
        for (let rep = 1; rep <= plan.reps; rep++) {
          const key = { profile, n, rep, quick: plan.quick, run };
          say(`cluster ${describeRun(key)}: starting`);
          out.push(...(await runCluster(key, plan, say)));
        }
      }
      for (let rep = 1; plan.churn && rep <= plan.reps; rep++) {
        const key = { profile, n: plan.churnN, rep, quick: plan.quick, run };
        say(`churn-fp ${describeRun(key)}: starting`);
        out.push(await runChurn(key, plan, say));
      }
    }
  } finally {
    loopDelay.disable();
  }
  const again = reappendMissing(out);
  if (again > 0)
    say(`${again} lines had vanished from ${resultsFileFor()} (rewritten meanwhile?): appended again`);
  return out;
}

/** `--quick`, and to re-run a part: `--sizes=16,64`, `--profiles=lan`, `--no-churn`. */
function parseArgs(argv: readonly string[]): { quick: boolean; only: Subset } {
  const value = (name: string) => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const sizes = value('sizes')?.split(',').map(Number);
  const profiles = value('profiles')?.split(',');
  if (sizes?.some((n) => !Number.isInteger(n) || n < 2 || n > 512))
    throw new Error('--sizes: integers 2..512');
  if (profiles?.some((p) => p !== 'lan' && p !== 'local')) throw new Error('--profiles: lan, local');
  return {
    quick: argv.includes('--quick'),
    only: {
      ...(sizes === undefined ? {} : { sizes }),
      ...(profiles === undefined ? {} : { profiles: profiles as Profile[] }),
      ...(argv.includes('--no-churn') ? { churn: false } : {}),
    },
  };
}

async function main(): Promise<number> {
  const { quick, only } = parseArgs(process.argv.slice(2));
  const lines = await runUdpConvergence({
    quick,
    only,
    onProgress: (msg) => process.stderr.write(`[convergence] ${msg}\n`),
  });
  process.stdout.write(`\n${comparisonTable(lines)}\n`);
  process.stdout.write(
    '\nmax-of-runs for missed and false deaths; median of runs otherwise. Lines appended to bench/results/.\n',
  );
  return 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
