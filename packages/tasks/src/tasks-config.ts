import { ConfigProblems, type DurationMs } from '@trellis/runtime';

export interface TasksConfig {
  /** Tasks of a dead agent stay in answers this long (a flapping host keeps its names). */
  readonly graceMs: DurationMs;
  /**
   * Records of an owner that left, or has been dead (or unknown) this long, are dropped from the
   * table and refused from peers: hosts replaced over months must not fill it.
   */
  readonly reapMs: DurationMs;
  /** Withdrawn records are kept this long, then collected. */
  readonly tombstoneTtlMs: DurationMs;
  /** Task records held at most, all agents together; past it new keys are rejected and counted. */
  readonly recordsMax: number;
  /** Tasks one agent may publish. */
  readonly localMax: number;
  readonly digestBuckets: number;
  /** Changes are coalesced for this long before the converged view is recomputed. */
  readonly recomputeDelayMs: DurationMs;
  /**
   * After a restart, our previous life's tasks stay published this long: the container runtime
   * re-registers the tasks still running, and names do not blink meanwhile. Those not
   * registered again by then are withdrawn.
   */
  readonly adoptWindowMs: DurationMs;
  /** Relative share of each packet's gossip budget for task news when other news waits. */
  readonly broadcastShare: number;
}

export const defaultTasksConfig: TasksConfig = Object.freeze({
  graceMs: 10_000,
  reapMs: 600_000,
  tombstoneTtlMs: 1_800_000,
  recordsMax: 500_000,
  localMax: 10_000,
  digestBuckets: 256,
  recomputeDelayMs: 50,
  adoptWindowMs: 30_000,
  broadcastShare: 0.3,
});

/** Fills defaults and validates, listing every problem in one ConfigError. */
export function parseTasksConfig(input: Partial<TasksConfig> = {}): TasksConfig {
  const c = { ...defaultTasksConfig, ...input };
  const p = new ConfigProblems();
  p.integer('graceMs', c.graceMs, 0, 86_400_000);
  if (
    p.integer('reapMs', c.reapMs, 0, 30 * 86_400_000) &&
    typeof c.graceMs === 'number' &&
    c.reapMs < c.graceMs
  )
    p.add('reapMs', `must be at least graceMs (${c.graceMs}): records still answered must be kept`);
  p.integer('tombstoneTtlMs', c.tombstoneTtlMs, 1000, 30 * 86_400_000);
  p.integer('recordsMax', c.recordsMax, 1, 10_000_000);
  p.integer('localMax', c.localMax, 1, 1_000_000);
  if (
    p.integer('digestBuckets', c.digestBuckets, 1, 1 << 20) &&
    (c.digestBuckets & (c.digestBuckets - 1)) !== 0
  )
    p.add('digestBuckets', `must be a power of two, got ${c.digestBuckets}`);
  p.integer('recomputeDelayMs', c.recomputeDelayMs, 0, 60_000);
  p.integer('adoptWindowMs', c.adoptWindowMs, 0, 3_600_000);
  p.number('broadcastShare', c.broadcastShare, 0.05, 0.95);
  for (const key of Object.keys(input))
    if (!Object.hasOwn(defaultTasksConfig, key)) p.add(key, 'is not a tasks setting');
  p.throwIfAny('tasks config');
  return Object.freeze(c);
}
