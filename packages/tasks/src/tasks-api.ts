import { EventEmitter } from 'eventemitter3';
import type { StoreHost } from '@trellis/store';
import type { TaskEntry } from './task-entry.js';
import type { TaskInput } from './task-input.js';
import type { TaskStore } from './task-store.js';
import type { TasksChanged, TasksEvent, TasksStats } from './tasks-events.js';

export interface TasksApiEvents {
  /** The converged task view changed: `{ added, removed, changed: [previous, next][] }`. */
  changed: [event: TasksChanged];
  rejected: [event: Extract<TasksEvent, { type: 'taskRejected' }>];
}

/**
 * `node.tasks`: publish the tasks this agent runs (name, framework, container addresses per
 * virtual network) and read the converged view of every live agent's tasks — the data the
 * Virtual Network Service DNS answers from.
 */
export class TasksApi extends EventEmitter<TasksApiEvents> {
  /** The sans-IO store behind this API. */
  readonly store: TaskStore;
  readonly #host: StoreHost;

  constructor(store: TaskStore, host: StoreHost) {
    super();
    this.store = store;
    this.#host = host;
  }

  /**
   * Publishes (or updates) a task this agent runs. Throws `InvalidArgumentError` listing every
   * problem with the input; nothing is published then.
   */
  publish(task: TaskInput): TaskEntry {
    return this.#host.run((now) => this.store.publish(now, task));
  }

  /** Withdraws one of our tasks; false if we do not publish it. */
  withdraw(id: string): boolean {
    return this.#host.run((now) => this.store.withdraw(now, id));
  }

  /** The converged view: every live agent's tasks, ours included, sorted by agent then id. */
  list(): TaskEntry[] {
    return this.store.list();
  }

  /** The tasks this agent publishes. */
  local(): TaskEntry[] {
    return this.store.local();
  }

  /** Recomputes the view soon: what the `addressCheck` answers may have changed. */
  recheck(): void {
    this.#host.run((now) => this.store.markDirty(now));
  }

  stats(): TasksStats {
    return this.store.stats();
  }

  /** @internal Called by the node for every task-store event, in order. */
  deliver(e: TasksEvent): void {
    if (e.type === 'tasksChanged') this.emit('changed', e);
    else this.emit('rejected', e);
  }
}
