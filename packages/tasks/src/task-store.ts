import { InvalidArgumentError, type Address, type Instant } from '@trellis/runtime';
import { ConvergedView, OwnerRegisterStore, type StoreContext } from '@trellis/store';
import type { TaskEntry } from './task-entry.js';
import { checkInput, toTaskEntry, type TaskInput } from './task-input.js';
import {
  canonicalIp,
  taskFields,
  taskKey,
  taskSchema,
  taskStates,
  type TaskRejectReason,
  type TaskWire,
} from './task-record.js';
import { parseTasksConfig, type TasksConfig } from './tasks-config.js';
import type { TasksEvent, TasksStats } from './tasks-events.js';
import { addressesHold, type AddressCheck } from './address-check.js';

export interface TaskStoreOptions {
  readonly ctx: StoreContext;
  readonly config?: Partial<TasksConfig>;
  /** Are a remote task's addresses its agent's to give? See `AddressCheck`. */
  readonly addressCheck?: AddressCheck;
}

/**
 * The task store: an owner-register store of task records, the tasks this agent publishes, and
 * the converged view — running tasks of live agents (dead ones within the grace period;
 * departed ones never) — with a diff event on every change.
 */
export class TaskStore extends OwnerRegisterStore<TaskWire, TaskRejectReason, TasksEvent> {
  readonly config: TasksConfig;
  readonly #view = new ConvergedView<TaskEntry>();
  readonly #entries = new WeakMap<TaskWire, TaskEntry>();
  readonly #addressCheck: AddressCheck | undefined;
  /** Remote running tasks of visible agents left out of the view by the address check. */
  #unverified = 0;

  constructor(opts: TaskStoreOptions) {
    const config = parseTasksConfig(opts.config);
    super({ ctx: opts.ctx, tag: 'k', schema: taskSchema, fields: taskFields, config });
    this.config = config;
    this.#addressCheck = opts.addressCheck;
  }

  /**
   * Publishes (or updates) a task this agent runs. Throws InvalidArgumentError listing every
   * problem with the input; nothing is published then.
   */
  publish(now: Instant, input: TaskInput): TaskEntry {
    const nw = checkInput(input);
    const key = taskKey(this.ctx.selfId, input.id);
    if (this.ownRecord(key) === undefined && this.ownCount >= this.config.localMax)
      throw new InvalidArgumentError(`this agent already publishes ${this.config.localMax} tasks (localMax)`);
    const record = this.publishOwn(now, {
      t: 'k',
      w: this.ctx.selfId,
      i: input.id,
      g: 0,
      v: 0,
      st: taskStates.running,
      n: input.name,
      f: input.framework,
      a: canonicalIp(input.agentIp, 'any')!,
      nw,
    });
    return this.#entry(record);
  }

  /** Withdraws one of our tasks: a versioned tombstone, gossiped like any change. */
  withdraw(now: Instant, id: string): boolean {
    return this.withdrawOwn(now, taskKey(this.ctx.selfId, id)) !== undefined;
  }

  /** The tasks this agent publishes (those adopted from its previous life included), by id. */
  local(): TaskEntry[] {
    return [...this.ownRecords()].map((r) => this.#entry(r)).sort(byKey);
  }

  /** The converged view: every visible task, ours included, sorted by agent then id. */
  list(): TaskEntry[] {
    return [...this.#view.values()].sort(byKey);
  }

  stats(): TasksStats {
    return {
      ...this.baseStats(),
      visible: this.#view.size,
      local: this.ownCount,
      unverified: this.#unverified,
    };
  }

  protected override tombstoneOf(r: TaskWire): TaskWire {
    return { ...r, st: taskStates.withdrawn };
  }

  protected override rejectedEvent(from: Address, reason: string): TasksEvent {
    return { type: 'taskRejected', from, reason };
  }

  protected override recompute(now: Instant): void {
    const next = new Map<string, TaskEntry>();
    let unverified = 0;
    for (const r of this.table.all()) {
      if (r.st !== taskStates.running) continue;
      const key = taskSchema.key(r);
      // Ours while we publish it (an adopted one too); a remote agent's while it is visible and
      // its addresses are its own to give.
      if (r.w === this.ctx.selfId) {
        if (this.ownRecord(key) === r) next.set(key, this.#entry(r));
      } else if (this.visible(r.w, now)) {
        if (addressesHold(this.#addressCheck, r)) next.set(key, this.#entry(r));
        else unverified++;
      }
    }
    this.#unverified = unverified;
    const diff = this.#view.replace(next);
    if (diff !== undefined) this.emit({ type: 'tasksChanged', ...diff });
  }

  #entry(r: TaskWire): TaskEntry {
    let e = this.#entries.get(r);
    if (e === undefined) this.#entries.set(r, (e = toTaskEntry(r)));
    return e;
  }
}

function byKey(a: TaskEntry, b: TaskEntry): number {
  if (a.agent !== b.agent) return a.agent < b.agent ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
