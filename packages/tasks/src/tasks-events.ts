import type { Address } from '@trellis/runtime';
import type { OwnerRegisterStats } from '@trellis/store';
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

export interface TasksStats extends OwnerRegisterStats {
  /** Tasks in the converged view. */
  readonly visible: number;
  /** Tasks this agent publishes. */
  readonly local: number;
  /** Remote tasks of visible agents left out of the view: their addresses failed `addressCheck`. */
  readonly unverified: number;
}
