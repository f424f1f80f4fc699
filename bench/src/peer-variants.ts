/**
 * trellis variants the peers run measures beside memberlist, each on its own cluster:
 * - `trellis+identity`: every node with its own certificate from one CA; join only (issue 12's
 *   target: join with identity on <= 0.5x memberlist).
 * - `trellis+mult<k>`: suspicionMult k instead of LAN's 3 (4 is memberlist's own); join, then
 *   fail once the join's news drained, and churn-fp (issue 16 part 2: where detection time goes,
 *   and what a multiplier does to false deaths under load).
 */
import type { SwimConfig } from '@trellis/swim';
import { appendResult, type ResultLine } from './results.js';
import { testCa } from './identity.js';
import { Cluster, drained, waitUntil } from './udp-cluster.js';
import type { Plan } from './udp-plan.js';
import { describeRun, line, loopDelay, type RunKey } from './udp-result-line.js';
import { runFail, runJoin } from './udp-scenarios.js';

export type Variant = 'trellis+identity' | `trellis+mult${number}`;

/** The failure-detector overrides of a variant (none for identity). */
export function variantSwim(variant: Variant): Partial<SwimConfig> | undefined {
  const m = /^trellis\+mult(\d+)$/.exec(variant);
  return m === null ? undefined : { suspicionMult: Number(m[1]) };
}

/** One variant cluster: its `join` line, and for `trellis+mult<k>` its `fail` line. */
export async function runVariant(
  variant: Variant,
  key: RunKey,
  plan: Plan,
  say: (msg: string) => void,
): Promise<ResultLine[]> {
  // Same id length as the plain cluster's (`lan16r1-000`): ids ride in every message.
  const tag = `${key.profile}${key.n}r${key.rep}`;
  const swim = variantSwim(variant);
  const c =
    swim === undefined
      ? new Cluster(key.profile, key.n, tag, testCa())
      : new Cluster(key.profile, key.n, tag, undefined, swim);
  const out: ResultLine[] = [];
  const emit = (scenario: string, fields: Record<string, unknown>): void => {
    const l = line(key, scenario, fields, variant);
    appendResult(l);
    out.push(l);
    say(`${scenario} ${variant} ${describeRun(key)}: ${JSON.stringify(fields.ms ?? fields.error)}`);
  };
  loopDelay.reset();
  try {
    const join = await runJoin(c, plan);
    emit('join', join);
    if (swim !== undefined && join.timedOut !== true) {
      const quiet = await waitUntil(() => drained(c), plan.drainDeadlineMs, 100);
      emit('fail', { ...(await runFail(c, plan)), queuesDrainedBefore: quiet, swim });
    }
  } catch (error) {
    emit('error', { error: String(error) });
  } finally {
    if (!(await c.close())) say(`close ${variant} ${describeRun(key)}: not all nodes closed in time`);
  }
  return out;
}
