/** `churn-fp`: healthy nodes marked dead while idle and under CPU load (every death is false). */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Worker } from 'node:worker_threads';
import type { SwimConfig } from '@trellis/swim';
import { appendResult, type ResultLine } from './results.js';
import { Cluster, closeDeadlineMs, drained, waitUntil } from './udp-cluster.js';
import type { Plan } from './udp-plan.js';
import { runJoin } from './udp-scenarios.js';
import { describeRun, line, loopDelay, type RunKey } from './udp-result-line.js';

/**
 * The load: two worker threads spinning (both cores busy) and the main event loop, where every
 * node runs, blocked 50 ms in every 250 ms. Every loop is bounded by time; `stop` ends it early.
 */
function startLoad(ms: number): { stop: () => Promise<void>; stalls: () => number } {
  const untilEpochMs = Date.now() + ms;
  const spin = `const { workerData } = require('node:worker_threads'); let x = 0;
    while (Date.now() < workerData) x++;`;
  const workers = [0, 1].map(() => new Worker(spin, { eval: true, workerData: untilEpochMs }));
  let stalls = 0;
  const timer = setInterval(() => {
    const end = performance.now() + 50;
    let spins = 0;
    while (performance.now() < end) spins++;
    if (spins >= 0) stalls++;
  }, 250);
  return {
    stalls: () => stalls,
    stop: async () => {
      clearInterval(timer);
      await Promise.race([
        Promise.all(workers.map((w) => w.terminate())),
        sleep(closeDeadlineMs, undefined, { ref: false }),
      ]);
    },
  };
}

interface PhaseCounts {
  seconds: number;
  /** Healthy nodes some observer marked dead (every node is healthy: each death is false). */
  falseDeaths: number;
  deadIds: string[];
  deathEvents: number;
  suspicionsRaised: number;
  suspectedNodes: number;
  refutations: number;
  lateTimers: number;
}

async function phase(c: Cluster, ms: number): Promise<PhaseCounts> {
  const dead = new Set<string>();
  const suspected = new Set<string>();
  let deathEvents = 0;
  c.onMember = (_observer, e) => {
    if (e.type === 'memberDied') {
      deathEvents++;
      dead.add(e.member.id);
    }
    if (e.type === 'memberSuspected') suspected.add(e.member.id);
  };
  const base = (['suspicionsRaised', 'refutations', 'lateTimers'] as const).map((k) => c.swimTotal(k));
  const t0 = performance.now();
  await sleep(ms);
  c.onMember = undefined;
  return {
    seconds: Number(((performance.now() - t0) / 1000).toFixed(1)),
    falseDeaths: dead.size,
    deadIds: [...dead],
    deathEvents,
    suspicionsRaised: c.swimTotal('suspicionsRaised') - base[0]!,
    suspectedNodes: suspected.size,
    refutations: c.swimTotal('refutations') - base[1]!,
    lateTimers: c.swimTotal('lateTimers') - base[2]!,
  };
}

/** Idle, then loaded, then a short tail where suspicions raised under load resolve (counted as load's). */
async function churnPhases(
  c: Cluster,
  plan: Plan,
  say: (msg: string) => void,
): Promise<Record<string, unknown>> {
  const idle = await phase(c, plan.churnPhaseMs);
  say(
    `churn-fp n=${c.n} ${c.profile}: idle ${idle.falseDeaths} false deaths, ${idle.suspicionsRaised} suspicions`,
  );
  const load = startLoad(plan.churnPhaseMs);
  let loaded: PhaseCounts;
  try {
    loaded = await phase(c, plan.churnPhaseMs);
  } finally {
    await load.stop();
  }
  const after = await phase(c, plan.churnAfterMs);
  const deadAtEnd = new Set(
    c.peers.flatMap((p) => [...p.status].filter(([, s]) => s === 'dead').map(([id]) => id)),
  );
  return {
    phases: { idle, load: { ...loaded, stalls: load.stalls() }, after },
    falseDeaths: { idle: idle.falseDeaths, load: new Set([...loaded.deadIds, ...after.deadIds]).size },
    suspicions: { idle: idle.suspicionsRaised, load: loaded.suspicionsRaised + after.suspicionsRaised },
    deadInSomeViewAtEnd: deadAtEnd.size,
  };
}

/** `variant`: a trellis variant of the peers run (its impl name and failure-detector overrides). */
export async function runChurn(
  key: RunKey,
  plan: Plan,
  say: (msg: string) => void,
  variant?: { readonly impl: string; readonly swim: Partial<SwimConfig> },
): Promise<ResultLine> {
  const c = new Cluster(key.profile, key.n, `churn-${key.profile}r${key.rep}`, undefined, variant?.swim);
  let fields: Record<string, unknown>;
  loopDelay.reset();
  try {
    const join = await runJoin(c, plan);
    if (join.timedOut === true) fields = { skipped: 'join did not converge', join };
    else {
      const quiet = await waitUntil(() => drained(c), plan.drainDeadlineMs, 100);
      fields = { ms: join.ms, queuesDrainedBefore: quiet, ...(await churnPhases(c, plan, say)) };
    }
  } catch (error) {
    say(
      `error churn-fp ${describeRun(key)}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
    fields = { error: String(error) };
  } finally {
    if (!(await c.close())) say(`close churn-fp ${describeRun(key)}: not all nodes closed in time`);
  }
  const l = line(
    key,
    'churn-fp',
    variant === undefined ? fields : { ...fields, swim: variant.swim },
    variant?.impl,
  );
  appendResult(l);
  say(
    `churn-fp ${variant?.impl ?? 'trellis'} ${describeRun(key)}: ${JSON.stringify({ falseDeaths: fields.falseDeaths, suspicions: fields.suspicions })}`,
  );
  return l;
}
