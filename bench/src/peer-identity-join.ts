/** The join scenario with identity on (issue 12's target, measured beside memberlist in the peers run). */
import { appendResult, type ResultLine } from './results.js';
import { testCa } from './identity.js';
import { Cluster } from './udp-cluster.js';
import type { Plan } from './udp-plan.js';
import { describeRun, line, loopDelay, type RunKey } from './udp-result-line.js';
import { runJoin } from './udp-scenarios.js';

export const identityImpl = 'trellis+identity';

/** N nodes, each with its own certificate from one CA, join node 0; one `join` line. */
export async function runIdentityJoin(
  key: RunKey,
  plan: Plan,
  say: (msg: string) => void,
): Promise<ResultLine> {
  // Same id length as the plain cluster's (`lan16r1-000`): ids ride in every message.
  const c = new Cluster(key.profile, key.n, `${key.profile}${key.n}r${key.rep}`, testCa());
  let fields: Record<string, unknown>;
  loopDelay.reset();
  try {
    fields = await runJoin(c, plan);
  } catch (error) {
    fields = { error: String(error) };
  } finally {
    if (!(await c.close())) say(`close identity join ${describeRun(key)}: not all nodes closed in time`);
  }
  const l = line(key, fields.error === undefined ? 'join' : 'error', fields, identityImpl);
  appendResult(l);
  say(`join ${identityImpl} ${describeRun(key)}: ${JSON.stringify(fields.ms ?? fields.error)}`);
  return l;
}
