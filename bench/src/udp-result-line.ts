/** One result line of the real-UDP suite: which run it belongs to, and the machine's state beside the figures. */
import { loadavg } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { appendResult, readResults, resultsFileFor, type ResultLine } from './results.js';
import type { Profile } from './udp-plan.js';

export interface RunKey {
  readonly profile: Profile;
  readonly n: number;
  readonly rep: number;
  readonly quick: boolean;
  /** When the whole benchmark started: groups the lines of one run in the append-only file. */
  readonly run: string;
}

/**
 * Event-loop delay of the process, where every node runs: a busy machine shows here first, and
 * it explains slow probes (timers firing late make a node doubt itself, as Lifeguard wants).
 * The figures include the 10 ms sampling period: 10 ms means no delay.
 */
export const loopDelay = monitorEventLoopDelay({ resolution: 10 });

function loopDelayMs(): { p50: number; p99: number; max: number } {
  const ms = (ns: number) => Math.round(ns / 1e5) / 10;
  const out = {
    p50: ms(loopDelay.percentile(50)),
    p99: ms(loopDelay.percentile(99)),
    max: ms(loopDelay.max),
  };
  loopDelay.reset();
  return out;
}

/** `impl` names what ran: `trellis`, or `trellis+identity` for a cluster with identity on. */
export function line(
  key: RunKey,
  scenario: string,
  fields: Record<string, unknown>,
  impl = 'trellis',
): ResultLine {
  return {
    impl,
    ...key,
    scenario,
    ...fields,
    eventLoopDelayMs: loopDelayMs(),
    loadavg1m: Number(loadavg()[0]!.toFixed(2)),
  };
}

export const describeRun = (k: RunKey): string => `n=${k.n} ${k.profile} rep ${k.rep}`;

/**
 * The results file is shared: if another process rewrote it while we ran (it has happened), the
 * lines of this run that are gone are appended again, marked `reappended`.
 */
export function reappendMissing(lines: readonly ResultLine[]): number {
  const key = (l: ResultLine): string => JSON.stringify([l.run, l.impl, l.scenario, l.profile, l.n, l.rep]);
  let present = new Set<string>();
  try {
    present = new Set(readResults(resultsFileFor()).lines.map(key));
  } catch {
    // No file: every line is missing.
  }
  const missing = lines.filter((l) => !present.has(key(l)));
  for (const l of missing) appendResult({ ...l, reappended: true });
  return missing.length;
}
