import type { Address } from '@trellis/runtime';
import type { TaskEntry } from './task-entry.js';

/** The converged task view changed. `changed` pairs are [previous, next]. */
export interface TasksChanged {
  readonly type: 'tasksChanged';
  readonly added: readonly TaskEntry[];
  readonly removed: readonly TaskEntry[];
  readonly changed: readonly (readonly [TaskEntry, TaskEntry])[];
}

export type TasksEvent =
  TasksChanged | { readonly type: 'taskRejected'; readonly from: Address; readonly reason: string };

export interface TasksStats {
  /** Records in the replicated table, tombstones included. */
  records: number;
  /** Tasks in the converged view. */
  visible: number;
  /** Tasks this agent publishes. */
  local: number;
  applied: number;
  recomputes: number;
  /** Records dropped because their owner was gone for good (see `reapMs`). */
  reaped: number;
  rejected: Record<string, number>;
}
