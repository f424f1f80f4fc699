import { EventEmitter } from 'eventemitter3';
import type { Scheduler } from '@trellis/runtime';
import type { TaskEntry, TaskInput, TasksChanged, TasksEvent, TasksStats } from '@trellis/tasks';
import type { NodeCore } from './core/node-core.js';

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
  readonly #core: NodeCore;
  readonly #scheduler: Scheduler;
  readonly #flush: () => void;

  constructor(core: NodeCore, scheduler: Scheduler, flush: () => void) {
    super();
    this.#core = core;
    this.#scheduler = scheduler;
    this.#flush = flush;
  }

  /**
   * Publishes (or updates) a task this agent runs. Throws `InvalidArgumentError` listing every
   * problem with the input; nothing is published then.
   */
  publish(task: TaskInput): TaskEntry {
    const now = this.#scheduler.now();
    try {
      return this.#core.tasks.publish(now, task);
    } finally {
      this.#core.afterCommand(now);
      this.#flush();
    }
  }

  /** Withdraws one of our tasks; false if we do not publish it. */
  withdraw(id: string): boolean {
    const now = this.#scheduler.now();
    const done = this.#core.tasks.withdraw(now, id);
    this.#core.afterCommand(now);
    this.#flush();
    return done;
  }

  /** The converged view: every live agent's tasks, ours included, sorted by agent then id. */
  list(): TaskEntry[] {
    return this.#core.tasks.list();
  }

  /** The tasks this agent publishes. */
  local(): TaskEntry[] {
    return this.#core.tasks.local();
  }

  stats(): TasksStats {
    return this.#core.tasks.stats();
  }

  /** @internal Called by GossipNode for every task-store event. */
  dispatch(e: TasksEvent): void {
    if (e.type === 'tasksChanged') this.emit('changed', e);
    else this.emit('rejected', e);
  }
}
