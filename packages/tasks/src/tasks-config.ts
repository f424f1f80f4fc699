import { ConfigProblems } from '@trellis/runtime';
import { checkKnownKeys, checkOwnerRegisterConfig, type OwnerRegisterConfig } from '@trellis/store';

/**
 * Task-store settings: the owner-register ones (grace, reap, tombstones, bounds, adoption,
 * broadcast share; see `OwnerRegisterConfig`) and the bound on our own tasks.
 */
export interface TasksConfig extends OwnerRegisterConfig {
  /** Tasks one agent may publish. */
  readonly localMax: number;
  readonly recordsPerOwnerMax: number;
  readonly clockSkewMaxMs: number;
}

export const defaultTasksConfig: TasksConfig = Object.freeze({
  graceMs: 10_000,
  reapMs: 600_000,
  tombstoneTtlMs: 1_800_000,
  recordsMax: 500_000,
  localMax: 10_000,
  // An agent's tasks and, for the tombstone TTL, those it withdrew: room for a full turnover.
  recordsPerOwnerMax: 20_000,
  clockSkewMaxMs: 3_600_000,
  digestBuckets: 256,
  recomputeDelayMs: 50,
  // The container runtime re-registers the tasks still running in this time after a restart;
  // names do not blink meanwhile.
  adoptWindowMs: 30_000,
  broadcastShare: 0.3,
});

/** Fills defaults and validates, listing every problem in one ConfigError. */
export function parseTasksConfig(input: Partial<TasksConfig> = {}): TasksConfig {
  const c = { ...defaultTasksConfig, ...input };
  const p = new ConfigProblems();
  checkOwnerRegisterConfig(p, c);
  p.integer('localMax', c.localMax, 1, 1_000_000);
  if (typeof c.localMax === 'number' && c.localMax > c.recordsPerOwnerMax)
    p.add(
      'localMax',
      `must be at most recordsPerOwnerMax (${c.recordsPerOwnerMax}): peers would refuse the rest`,
    );
  checkKnownKeys(p, input, defaultTasksConfig, 'tasks');
  p.throwIfAny('tasks config');
  return Object.freeze(c);
}
