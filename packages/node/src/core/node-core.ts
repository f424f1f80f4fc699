import type { Address, Instant } from '@trellis/runtime';
import { Swim, type SwimEvent, type SwimOptions, type Transmit } from '@trellis/swim';
import { RouteStore, type Overlay, type RoutesConfig, type RoutesEvent } from '@trellis/routes';
import { TaskStore, type TasksConfig, type TasksEvent } from '@trellis/tasks';

export interface NodeCoreOptions extends SwimOptions {
  /** Overlay networks this node takes part in (none: the route store stays empty). */
  readonly overlays?: readonly Overlay[];
  readonly routes?: Partial<RoutesConfig>;
  readonly tasks?: Partial<TasksConfig>;
}

export type NodeEvent = SwimEvent | RoutesEvent | TasksEvent;

const routesClass = 'routes';
const tasksClass = 'tasks';

/**
 * The gossip node as one sans-IO core: the failure detector with its member table, and the
 * route and task stores plugged into it through Swim's seams — each with its own broadcast
 * class and a guaranteed share of every packet, an anti-entropy section, and its messages (`r`
 * route records, `k` task records) routed to it. Membership changes reach both stores as they
 * happen, with the `now` of the input that caused them.
 */
export class NodeCore {
  readonly swim: Swim;
  readonly routes: RouteStore;
  readonly tasks: TaskStore;
  readonly #events: NodeEvent[] = [];

  constructor(options: NodeCoreOptions) {
    const store = new RouteStore({
      selfId: options.id,
      generation: Math.floor(options.incarnation ?? options.now),
      overlays: options.overlays ?? [],
      ...(options.routes === undefined ? {} : { config: options.routes }),
      rng: options.rng.fork('routes'),
      now: options.now,
      liveness: {
        status: (id) => this.swim.table.get(id)?.status,
        since: (id) => this.swim.table.statusSince(id),
        addr: (id) => this.swim.table.get(id)?.addr,
      },
      broadcast: (key, msg) => this.swim.broadcast(routesClass, key, msg),
      sync: (now, done) => this.swim.syncWithRandomPeer(now, (at) => done(at)),
      sendTo: (addr, msg) => this.swim.sendTo(addr, msg),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    this.routes = store;
    const tasks = new TaskStore({
      selfId: options.id,
      generation: Math.floor(options.incarnation ?? options.now),
      ...(options.tasks === undefined ? {} : { config: options.tasks }),
      now: options.now,
      liveness: {
        status: (id) => this.swim.table.get(id)?.status,
        since: (id) => this.swim.table.statusSince(id),
      },
      broadcast: (key, msg) => this.swim.broadcast(tasksClass, key, msg),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    this.tasks = tasks;
    this.swim = new Swim({
      ...options,
      broadcastClasses: {
        ...options.broadcastClasses,
        [routesClass]: store.config.broadcastShare,
        [tasksClass]: tasks.config.broadcastShare,
      },
    });
    this.swim.onUserMessage((now, from, msg) => {
      if (msg.t === 'r') store.handleRecord(now, from, msg);
      else if (msg.t === 'k') tasks.handleRecord(now, from, msg);
      else return false;
      return true;
    });
    this.swim.addSection({
      name: routesClass,
      digest: () => store.table.digest(),
      records: (keys) => keys.flatMap((k) => store.table.getByKey(k) ?? []),
      allRecords: () => [...store.table.all()],
      merge: (now, from, records) => {
        for (const r of records) store.handleRecord(now, from, r);
      },
    });
    this.swim.addSection({
      name: tasksClass,
      digest: () => tasks.digest(),
      records: (keys) => keys.flatMap((k) => tasks.table.get(k) ?? []),
      allRecords: () => [...tasks.table.all()],
      merge: (now, from, records) => {
        for (const r of records) tasks.handleRecord(now, from, r);
      },
    });
  }

  get selfId(): string {
    return this.swim.selfId;
  }

  join(now: Instant, seeds: readonly Address[]): void {
    // Choose slices from the seed's view of the cluster, not from an empty one.
    if (seeds.length > 0) this.routes.holdClaims();
    this.swim.join(now, seeds);
    this.#pump(now);
  }

  /** Withdraws our routes and tasks, then gossips that we leave. */
  leave(now: Instant): void {
    this.routes.withdrawAll(now);
    this.tasks.withdrawAll(now);
    this.swim.leave(now);
    this.#pump(now);
  }

  /** The messages of one decoded datagram, in order. */
  handleDatagram(now: Instant, from: Address, messages: readonly unknown[]): void {
    for (const msg of messages) this.swim.handleMessage(now, from, msg);
    this.#pump(now);
  }

  handleRequest(now: Instant, from: Address, msg: unknown): object {
    const reply = this.swim.handleRequest(now, from, msg);
    this.#pump(now);
    return reply;
  }

  handleReply(now: Instant, token: number, reply: unknown, error?: string): void {
    this.swim.handleReply(now, token, reply, error);
    this.#pump(now);
  }

  handleTimeout(now: Instant): void {
    const s = this.swim.pollTimeout();
    if (s !== undefined && s <= now) this.swim.handleTimeout(now);
    this.#pump(now);
    const r = this.routes.pollTimeout();
    if (r !== undefined && r <= now) this.routes.handleTimeout(now);
    const k = this.tasks.pollTimeout();
    if (k !== undefined && k <= now) this.tasks.handleTimeout(now);
    this.#pump(now);
  }

  /** After a local command on the route or task store (publish, withdraw). */
  afterCommand(now: Instant): void {
    this.#pump(now);
  }

  pollTransmit(): Transmit | undefined {
    return this.swim.pollTransmit();
  }

  pollEvent(): NodeEvent | undefined {
    return this.#events.shift();
  }

  pollTimeout(): Instant | undefined {
    let t: Instant | undefined;
    for (const x of [this.swim.pollTimeout(), this.routes.pollTimeout(), this.tasks.pollTimeout()])
      if (x !== undefined && (t === undefined || x < t)) t = x;
    return t;
  }

  /** Moves events out of the cores; membership changes mark the route tables for recompute. */
  #pump(now: Instant): void {
    for (let e = this.swim.pollEvent(); e !== undefined; e = this.swim.pollEvent()) {
      if (e.type.startsWith('member')) {
        this.routes.markDirty(now);
        this.tasks.markDirty(now);
      }
      // Joined, or nobody answered for a while: an isolated agent still gets a slice.
      if (e.type === 'joined' || (e.type === 'joinAttemptFailed' && e.attempt >= 3))
        this.routes.releaseClaims(now);
      this.#events.push(e);
    }
    for (let e = this.routes.pollEvent(); e !== undefined; e = this.routes.pollEvent()) this.#events.push(e);
    for (let e = this.tasks.pollEvent(); e !== undefined; e = this.tasks.pollEvent()) this.#events.push(e);
  }
}
