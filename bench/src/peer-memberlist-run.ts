/** One memberlist cluster: the harness as a child process, its JSON lines appended as they come. */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { appendResult, type ResultLine } from './results.js';
import type { Plan } from './udp-plan.js';
import type { RunKey } from './udp-result-line.js';

export type MemberlistJob = { readonly kind: 'cluster' } | { readonly kind: 'churn' };

/** The harness's arguments for one job: the same phase lengths and deadlines as the trellis side. */
export function harnessArgs(key: RunKey, plan: Plan, job: MemberlistJob, broadcastBytes = 115): string[] {
  const common = [
    ...['-n', String(key.n), '-profile', key.profile, '-rep', String(key.rep), '-run', key.run],
    ...(key.quick ? ['-quick'] : []),
    ...['-join-deadline-ms', String(plan.joinDeadlineMs), '-drain-deadline-ms', String(plan.drainDeadlineMs)],
  ];
  if (job.kind === 'churn')
    return [
      ...common,
      ...[
        '-scenarios',
        'churn-fp',
        '-phase-ms',
        String(plan.churnPhaseMs),
        '-after-ms',
        String(plan.churnAfterMs),
      ],
    ];
  return [
    ...common,
    ...['-scenarios', 'join,steady,broadcast,fail', '-steady-ms', String(plan.steadyMs)],
    ...[
      '-fail-deadline-ms',
      String(plan.failDeadlineMs),
      '-broadcast-deadline-ms',
      String(plan.broadcastDeadlineMs),
    ],
    ...['-broadcast-bytes', String(broadcastBytes)],
  ];
}

/** The longest a job may take before it is stopped (its pid, SIGKILL): every deadline, twice. */
function jobDeadlineMs(plan: Plan, job: MemberlistJob): number {
  const sum =
    job.kind === 'churn'
      ? plan.joinDeadlineMs + plan.drainDeadlineMs + 2 * plan.churnPhaseMs + plan.churnAfterMs
      : plan.joinDeadlineMs +
        2 * plan.drainDeadlineMs +
        plan.steadyMs +
        plan.broadcastDeadlineMs +
        plan.failDeadlineMs;
  return 2 * sum + 30_000;
}

/**
 * Runs the harness; every line it prints is parsed and appended to the results file as it
 * comes (with `at`). A line that does not parse, a crash or a stop at the deadline becomes an
 * `error` line: never a silent hang.
 */
export async function runMemberlist(
  binary: string,
  key: RunKey,
  plan: Plan,
  job: MemberlistJob,
  opts: { broadcastBytes?: number; append?: boolean } = {},
): Promise<ResultLine[]> {
  const child = spawn(binary, harnessArgs(key, plan, job, opts.broadcastBytes), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out: ResultLine[] = [];
  const keep = (l: ResultLine): void => {
    if (opts.append !== false) appendResult(l);
    out.push(l);
  };
  const base = {
    impl: 'memberlist',
    profile: key.profile,
    n: key.n,
    rep: key.rep,
    quick: key.quick,
    run: key.run,
  };
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr = (stderr + b.toString()).slice(-4000);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), jobDeadlineMs(plan, job));
  const lines = createInterface({ input: child.stdout });
  lines.on('line', (text) => {
    try {
      const v = JSON.parse(text) as unknown;
      if (typeof v === 'object' && v !== null && 'scenario' in v) keep(v as ResultLine);
      else keep({ ...base, scenario: 'error', error: `not a result line: ${text.slice(0, 200)}` });
    } catch {
      keep({ ...base, scenario: 'error', error: `unparsable line: ${text.slice(0, 200)}` });
    }
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => {
    child.on('close', (c, s) => resolve([c, s]));
    child.on('error', () => resolve([null, null]));
  });
  clearTimeout(timer);
  if (code !== 0 && !out.some((l) => l.scenario === 'error'))
    keep({ ...base, scenario: 'error', error: `harness exited ${String(code ?? signal)}: ${stderr.trim()}` });
  return out;
}
