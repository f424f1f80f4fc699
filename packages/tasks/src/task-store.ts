import {
  InvalidArgumentError,
  silentLogger,
  type Address,
  type Instant,
  type Logger,
} from '@trellis/runtime';
import { RegisterTable, type DigestView, type MemberStatus } from '@trellis/membership';
import { dnsLabel } from './dns-label.js';
import type { TaskEntry, TaskNetwork } from './task-entry.js';
import {
  canonicalIp,
  overlayNamePattern,
  taskKey,
  taskLimits,
  taskSchema,
  taskStates,
  type TaskRejectReason,
  type TaskWire,
} from './task-record.js';
import { parseTasksConfig, type TasksConfig } from './tasks-config.js';
import type { TasksEvent, TasksStats } from './tasks-events.js';

/** A task as the agent that runs it registers it. */
export interface TaskInput {
  readonly id: string;
  readonly name: string;
  readonly framework: string;
  /** This agent's IP (IPv4 or IPv6): the `agentip` answer. */
  readonly agentIp: string;
  /** Virtual networks the task's container is on, with its addresses there (none: host network). */
  readonly networks?: readonly TaskNetwork[];
}

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
  readonly #stats = { applied: 0, recomputes: 0 };
  #recomputeAt: Instant | undefined;
  #deadline: Instant | undefined;
  #sweepAt: Instant;

  constructor(opts: TaskStoreOptions) {
    this.config = parseTasksConfig(opts.config);
    this.#selfId = opts.selfId;
    this.#generation = opts.generation;
    this.#live = opts.liveness;
    this.#broadcast = opts.broadcast;
    this.#log = (opts.logger ?? silentLogger).child({ component: 'tasks' });
    this.table = new RegisterTable(opts.selfId, taskSchema, this.config);
    this.#sweepAt = opts.now + sweepIntervalMs;
  }

  /**
   * Publishes (or updates) a task this agent runs. Throws InvalidArgumentError listing every
   * problem with the input; nothing is published then.
   */
  publish(now: Instant, input: TaskInput): TaskEntry {
    const nw = checkInput(input);
    if (!this.#own.has(input.id) && this.#own.size >= this.config.localMax)
      throw new InvalidArgumentError(`this agent already publishes ${this.config.localMax} tasks (localMax)`);
    const key = taskKey(this.#selfId, input.id);
    const current = this.table.get(key);
    const g = Math.max(this.#generation, current?.g ?? 0);
    const record: TaskWire = Object.freeze({
      t: 'k',
      w: this.#selfId,
      i: input.id,
      g,
      v: g === current?.g ? current.v + 1 : 0,
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
    this.#setOwn(now, Object.freeze({ ...own, v: own.v + 1, st: taskStates.withdrawn }));
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

  #aboutSelf(now: Instant, remote: TaskWire): void {
    const own = this.#own.get(remote.i);
    if (own !== undefined && !this.#previous.has(remote.i)) {
      // Someone holds a newer record under our name: re-assert ours above it.
      this.#setOwn(now, Object.freeze({ ...own, g: remote.g, v: remote.v + 1 }));
    } else if (remote.g < this.#generation && remote.st === taskStates.running) {
      // Our previous life's task: keep it published while the runtime re-registers its tasks.
      this.#previous.set(remote.i, now + this.config.adoptWindowMs);
      this.#setOwn(now, remote);
    } else {
      const g = Math.max(remote.g, this.#generation);
      const tombstone = { ...remote, g, v: g === remote.g ? remote.v + 1 : 0, st: taskStates.withdrawn };
      this.#setOwn(now, Object.freeze(tombstone));
    }
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

export function toTaskEntry(r: TaskWire): TaskEntry {
  return Object.freeze({
    id: r.i,
    name: r.n,
    framework: r.f,
    agent: r.w,
    agentIp: r.a,
    networks: Object.freeze(
      r.nw.map(([name, ipv4, ipv6]) =>
        Object.freeze({ name, ...(ipv4 === '' ? {} : { ipv4 }), ...(ipv6 === '' ? {} : { ipv6 }) }),
      ),
    ),
  });
}

function byKey(a: TaskEntry, b: TaskEntry): number {
  if (a.agent !== b.agent) return a.agent < b.agent ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** Every problem with a task as registered, in one error; returns its networks in wire form. */
function checkInput(input: TaskInput): (readonly [string, string, string])[] {
  const problems: string[] = [];
  const text = (what: string, v: unknown, max: number) => {
    if (typeof v !== 'string' || v.length === 0 || v.length > max)
      problems.push(`${what} must be a string of 1 to ${max} characters`);
  };
  text('id', input.id, taskLimits.idMax);
  text('name', input.name, taskLimits.nameMax);
  text('framework', input.framework, taskLimits.nameMax);
  for (const what of ['name', 'framework'] as const) {
    const v = input[what];
    if (typeof v === 'string' && v.length > 0 && dnsLabel(v) === '')
      problems.push(`${what} ${JSON.stringify(v)} has no letter or digit: it gives no DNS label`);
  }
  if (typeof input.agentIp !== 'string' || canonicalIp(input.agentIp, 'any') === undefined)
    problems.push(`agentIp must be an IPv4 or IPv6 address, got ${JSON.stringify(input.agentIp)}`);
  const networks: unknown = input.networks ?? [];
  const nw: (readonly [string, string, string])[] = [];
  if (!Array.isArray(networks) || networks.length > taskLimits.networksMax) {
    problems.push(`networks must be a list of at most ${taskLimits.networksMax}`);
  } else {
    const seen = new Set<string>();
    for (const [k, item] of (networks as unknown[]).entries()) {
      const at = `networks[${k}]`;
      if (typeof item !== 'object' || item === null) {
        problems.push(`${at} must be an object { name, ipv4?, ipv6? }`);
        continue;
      }
      const n = item as { name?: unknown; ipv4?: unknown; ipv6?: unknown };
      const name = typeof n.name === 'string' && overlayNamePattern.test(n.name) ? n.name : undefined;
      if (name === undefined)
        problems.push(`${at}.name must be an overlay name, got ${JSON.stringify(n.name)}`);
      else if (seen.has(name)) problems.push(`${at}.name ${name} is listed twice`);
      else seen.add(name);
      const v4 = n.ipv4 === undefined ? '' : typeof n.ipv4 === 'string' ? canonicalIp(n.ipv4, 4) : undefined;
      const v6 = n.ipv6 === undefined ? '' : typeof n.ipv6 === 'string' ? canonicalIp(n.ipv6, 6) : undefined;
      if (v4 === undefined)
        problems.push(`${at}.ipv4 must be an IPv4 address, got ${JSON.stringify(n.ipv4)}`);
      if (v6 === undefined)
        problems.push(`${at}.ipv6 must be an IPv6 address, got ${JSON.stringify(n.ipv6)}`);
      if (name !== undefined && v4 !== undefined && v6 !== undefined)
        nw.push(Object.freeze([name, v4, v6] as const));
    }
  }
  if (problems.length > 0) throw new InvalidArgumentError(`invalid task: ${problems.join('; ')}`);
  return nw.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}
