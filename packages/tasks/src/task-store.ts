import {
  InvalidArgumentError,
  silentLogger,
  type Address,
  type Instant,
  type Logger,
} from '@trellis/runtime';
import { RegisterTable, type DigestView, type MemberStatus } from '@trellis/membership';
import type { TaskEntry } from './task-entry.js';
import { checkInput, toTaskEntry, type TaskInput } from './task-input.js';
import {
  canonicalIp,
  taskKey,
  taskSchema,
  taskStates,
  type TaskRejectReason,
  type TaskWire,
} from './task-record.js';
import { parseTasksConfig, type TasksConfig } from './tasks-config.js';
import type { TasksEvent, TasksStats } from './tasks-events.js';

/** What the task store needs to know about owners from the membership layer. */
export interface TaskLiveness {
  status(owner: string): MemberStatus | undefined;
  /** Local time of the owner's last status change. */
  since(owner: string): Instant | undefined;
}

export interface TaskStoreOptions {
  readonly selfId: string;
  /** Our record generation: the node's start time in ms, so a restart supersedes its old records. */
  readonly generation: number;
  readonly config?: Partial<TasksConfig>;
  readonly now: Instant;
  readonly liveness: TaskLiveness;
  /** Hands news to the gossip layer (the node's `tasks` broadcast class). */
  readonly broadcast: (key: string, msg: TaskWire) => void;
  readonly logger?: Logger;
}

const sweepIntervalMs = 60_000;

/**
 * The task store, sans-IO: the replicated table of task records, the tasks this agent
 * publishes, and the converged view — running tasks of live agents (dead ones within the grace
 * period; departed ones never) — with a diff event on every change.
 */
export class TaskStore {
  readonly config: TasksConfig;
  readonly table: RegisterTable<TaskWire, TaskRejectReason>;
  readonly #selfId: string;
  readonly #generation: number;
  readonly #live: TaskLiveness;
  readonly #broadcast: (key: string, msg: TaskWire) => void;
  readonly #log: Logger;
  /** Our own running tasks by id. */
  readonly #own = new Map<string, TaskWire>();
  /** Tasks of our previous life, kept published until re-registered or the window closes. */
  readonly #previous = new Map<string, Instant>();
  #view = new Map<string, TaskEntry>();
  readonly #entries = new WeakMap<TaskWire, TaskEntry>();
  readonly #events: TasksEvent[] = [];
  readonly #stats = { applied: 0, recomputes: 0, reaped: 0 };
  /**
   * The highest version we wrote in our generation, across all our tasks: a task created again
   * after its tombstone was collected here must still beat that tombstone on slower replicas.
   */
  #clock = -1;
  #recomputeAt: Instant | undefined;
  #deadline: Instant | undefined;
  #sweepAt: Instant;
  /** The `now` of the input being handled (the admission rule needs it). */
  #now: Instant;

  constructor(opts: TaskStoreOptions) {
    this.config = parseTasksConfig(opts.config);
    this.#selfId = opts.selfId;
    this.#generation = opts.generation;
    this.#live = opts.liveness;
    this.#broadcast = opts.broadcast;
    this.#log = (opts.logger ?? silentLogger).child({ component: 'tasks' });
    this.table = new RegisterTable(opts.selfId, taskSchema, this.config, {
      admit: (r) => (this.#gone(r.w, this.#now, undefined) ? 'ownerGone' : undefined),
    });
    this.#sweepAt = opts.now + sweepIntervalMs;
    this.#now = opts.now;
  }

  /**
   * Publishes (or updates) a task this agent runs. Throws InvalidArgumentError listing every
   * problem with the input; nothing is published then.
   */
  publish(now: Instant, input: TaskInput): TaskEntry {
    const nw = checkInput(input);
    if (!this.#own.has(input.id) && this.#own.size >= this.config.localMax)
      throw new InvalidArgumentError(`this agent already publishes ${this.config.localMax} tasks (localMax)`);
    const current = this.table.get(taskKey(this.#selfId, input.id));
    const g = Math.max(this.#generation, current?.g ?? 0);
    const record: TaskWire = Object.freeze({
      t: 'k',
      w: this.#selfId,
      i: input.id,
      g,
      v: this.#version(g, current),
      st: taskStates.running,
      n: input.name,
      f: input.framework,
      a: canonicalIp(input.agentIp, 'any')!,
      nw,
    });
    this.#previous.delete(input.id);
    this.#setOwn(now, record);
    return this.#entry(record);
  }

  /** Withdraws one of our tasks: a versioned tombstone, gossiped like any change. */
  withdraw(now: Instant, id: string): boolean {
    const own = this.#own.get(id);
    if (own === undefined) return false;
    this.#previous.delete(id);
    // At our generation, even for a task adopted from our previous life: an old-life copy with
    // a higher version still on some replica must not outrank the tombstone.
    const g = Math.max(this.#generation, own.g);
    this.#setOwn(now, Object.freeze({ ...own, g, v: this.#version(g, own), st: taskStates.withdrawn }));
    return true;
  }

  withdrawAll(now: Instant): void {
    for (const id of [...this.#own.keys()]) this.withdraw(now, id);
  }

  /** The tasks this agent publishes, by id. */
  local(): TaskEntry[] {
    return [...this.#own.values()].map((r) => this.#entry(r)).sort(byKey);
  }

  /** The converged view: every visible task, ours included, sorted by agent then id. */
  list(): TaskEntry[] {
    return [...this.#view.values()].sort(byKey);
  }

  digest(): DigestView {
    return this.table.digest();
  }

  /** A record from a peer: gossip or an anti-entropy section. */
  handleRecord(now: Instant, from: Address, raw: unknown): void {
    this.#now = now;
    const outcome = this.table.merge(raw, now);
    switch (outcome.kind) {
      case 'applied':
        this.#stats.applied++;
        this.#broadcast(taskSchema.key(outcome.current), outcome.current);
        this.markDirty(now);
        return;
      case 'aboutSelf':
        this.#aboutSelf(now, outcome.remote);
        return;
      case 'unchanged':
        return;
      case 'rejected':
        this.#emit({ type: 'taskRejected', from, reason: outcome.reason });
        return;
    }
  }

  /** Membership changed (someone joined, died, left): liveness feeds the view. */
  markDirty(now: Instant): void {
    if (this.#recomputeAt === undefined) this.#recomputeAt = now + this.config.recomputeDelayMs;
  }

  handleTimeout(now: Instant): void {
    if (this.#sweepAt <= now) {
      this.#sweepAt = now + sweepIntervalMs;
      this.table.collect(now);
      const reaped = this.table.prune((r, since) => r.w !== this.#selfId && this.#gone(r.w, now, since));
      if (reaped.length > 0) {
        this.#stats.reaped += reaped.length;
        this.#log.info({ records: reaped.length }, 'dropped the task records of owners gone for good');
        this.markDirty(now);
      }
    }
    for (const [id, until] of this.#previous) {
      if (until > now) continue;
      // Our previous life's task was not registered again: take it down.
      this.#previous.delete(id);
      this.#log.info({ task: id }, 'task of a previous life not registered again: withdrawn');
      this.withdraw(now, id);
    }
    const due = (t: Instant | undefined) => t !== undefined && t <= now;
    if (due(this.#recomputeAt) || due(this.#deadline)) this.#recompute(now);
  }

  pollTimeout(): Instant | undefined {
    let t: Instant = this.#sweepAt;
    if (this.#recomputeAt !== undefined) t = Math.min(t, this.#recomputeAt);
    if (this.#deadline !== undefined) t = Math.min(t, this.#deadline);
    for (const until of this.#previous.values()) t = Math.min(t, until);
    return t;
  }

  pollEvent(): TasksEvent | undefined {
    return this.#events.shift();
  }

  stats(): TasksStats {
    return {
      records: this.table.size,
      visible: this.#view.size,
      local: this.#own.size,
      applied: this.#stats.applied,
      recomputes: this.#stats.recomputes,
      reaped: this.#stats.reaped,
      rejected: this.table.rejected(),
    };
  }

  #recompute(now: Instant): void {
    this.#recomputeAt = undefined;
    this.#deadline = undefined;
    this.#stats.recomputes++;
    const next = new Map<string, TaskEntry>();
    for (const r of this.table.all()) {
      if (r.st === taskStates.running && this.#visible(r, now)) next.set(taskSchema.key(r), this.#entry(r));
    }
    const prev = this.#view;
    this.#view = next;
    const added: TaskEntry[] = [];
    const removed: TaskEntry[] = [];
    const changed: (readonly [TaskEntry, TaskEntry])[] = [];
    for (const [key, n] of next) {
      const p = prev.get(key);
      if (p === undefined) added.push(n);
      else if (p !== n) changed.push([p, n] as const);
    }
    for (const [key, p] of prev) if (!next.has(key)) removed.push(p);
    if (added.length + removed.length + changed.length > 0)
      this.#emit({ type: 'tasksChanged', added, removed, changed });
  }

  /** Ours always; a live agent's; a dead agent's within the grace period (arming its end). */
  #visible(r: TaskWire, now: Instant): boolean {
    if (r.w === this.#selfId) return this.#own.get(r.i) === r || this.#previous.has(r.i);
    const status = this.#live.status(r.w);
    if (status === 'alive' || status === 'suspect') return true;
    if (status !== 'dead') return false;
    const end = (this.#live.since(r.w) ?? now) + this.config.graceMs;
    if (end <= now) return false;
    if (this.#deadline === undefined || end < this.#deadline) this.#deadline = end;
    return true;
  }

  /**
   * Records of an owner that left, or has been dead this long (or unknown, for records stored
   * this long: its member record was collected), leave the table; every replica applies the
   * same rule, so they agree again once each has swept.
   */
  #gone(owner: string, now: Instant, storedSince: Instant | undefined): boolean {
    if (owner === this.#selfId) return false;
    const status = this.#live.status(owner);
    if (status === 'left') return true;
    if (status === 'dead') return now - (this.#live.since(owner) ?? now) >= this.config.reapMs;
    if (status === undefined && storedSince !== undefined) return now - storedSince >= this.config.reapMs;
    return false;
  }

  #aboutSelf(now: Instant, remote: TaskWire): void {
    const own = this.#own.get(remote.i);
    if (own !== undefined && !this.#previous.has(remote.i)) {
      // Someone holds a newer record under our name: re-assert ours above it.
      this.#setOwn(now, Object.freeze({ ...own, g: remote.g, v: this.#version(remote.g, remote) }));
    } else if (remote.g < this.#generation && remote.st === taskStates.running) {
      // Our previous life's task: keep it published while the runtime re-registers its tasks.
      if (!this.#previous.has(remote.i)) this.#previous.set(remote.i, now + this.config.adoptWindowMs);
      this.#setOwn(now, remote);
    } else {
      const g = Math.max(remote.g, this.#generation);
      const above = g === remote.g ? remote : this.table.get(taskKey(remote.w, remote.i));
      const tombstone = { ...remote, g, v: this.#version(g, above), st: taskStates.withdrawn };
      this.#setOwn(now, Object.freeze(tombstone));
    }
  }

  /** The version of our next write at generation `g`, above `current` (what it replaces). */
  #version(g: number, current: TaskWire | undefined): number {
    let v = current?.g === g ? current.v + 1 : 0;
    if (g === this.#generation) {
      v = Math.max(v, this.#clock + 1);
      this.#clock = v;
    }
    return v;
  }

  #setOwn(now: Instant, record: TaskWire): void {
    if (record.st === taskStates.running) this.#own.set(record.i, record);
    else this.#own.delete(record.i);
    this.table.setOwn(record, now);
    this.#broadcast(taskSchema.key(record), record);
    this.markDirty(now);
  }

  #entry(r: TaskWire): TaskEntry {
    let e = this.#entries.get(r);
    if (e === undefined) this.#entries.set(r, (e = toTaskEntry(r)));
    return e;
  }

  #emit(e: TasksEvent): void {
    if (this.#events.length >= 100_000) this.#events.shift();
    this.#events.push(e);
  }
}

function byKey(a: TaskEntry, b: TaskEntry): number {
  if (a.agent !== b.agent) return a.agent < b.agent ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
