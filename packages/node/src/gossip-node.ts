import { EventEmitter } from 'eventemitter3';
import {
  InvalidArgumentError,
  type Address,
  type Instant,
  type Logger,
  type Scheduler,
  type Transport,
} from '@trellis/runtime';
import type { MemberRecord } from '@trellis/membership';
import {
  StoreRegistrationError,
  type StoreApis,
  type StoreBinding,
  type StoreHost,
  type StorePlugin,
} from '@trellis/store';
import { kvStore, type KvConfig, type KvTable } from '@trellis/kv';
import { NodeCore, type NodeCoreOptions, type NodeEvent } from './core/node-core.js';
import { Driver } from './driver.js';
import type { GossipNodeEvents, NodeStats } from './gossip-node-events.js';
import { JoinFailedError, JoinWatch } from './join-watch.js';
import { deliveryError } from './send-error.js';
import { PendingSends } from './pending-sends.js';
import type { WireCodec } from './wire/wire-codec.js';

/** A node that runs membership alone: no stores, so `node.stores` has no member. */
export type NoStores = { readonly [name: string]: never };

/** Store plug-ins by the name each is registered under (`{ routes: routeStore(...) }`). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a plug-in's event type is its own business
export type StorePlugins = Readonly<Record<string, StorePlugin<unknown, any>>>;

export interface StartNodeOptions<P extends StorePlugins = NoStores> extends NodeCoreOptions {
  readonly transport: Transport;
  readonly scheduler: Scheduler;
  readonly codec: WireCodec;
  readonly seeds?: readonly Address[];
  readonly logger: Logger;
  /** The stores this node runs besides membership; their APIs are `node.stores.<name>`. */
  readonly stores?: P;
  /** Called once the transport is closed (real transports close asynchronously). */
  readonly onClose?: () => Promise<void>;
}

/**
 * A running gossip node: the core, its driver, and an event-emitting face for applications.
 * Create it with `createNode()` (real UDP) or `startNode()` (any transport, e.g. the simulator).
 * It knows no store in particular: the stores it was given are `node.stores`, and `kv()` adds
 * the application's own tables at run time through the same registration.
 */
export class GossipNode<S extends object = object> extends EventEmitter<GossipNodeEvents> {
  readonly id: string;
  readonly address: Address;
  readonly core: NodeCore;
  /** The APIs of the stores given at start, by name. */
  readonly stores: S;
  readonly #driver: Driver;
  readonly #codec: WireCodec;
  readonly #scheduler: Scheduler;
  readonly #onClose: (() => Promise<void>) | undefined;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- bindings of any store kind
  readonly #bindings = new Map<string, StoreBinding<unknown, any>>();
  readonly #tables = new Map<string, KvTable>();
  readonly #host: StoreHost;
  readonly #join = new JoinWatch();
  readonly #sends = new PendingSends();
  #leaveWaiters: (() => void)[] = [];
  #closed = false;

  constructor(options: StartNodeOptions<StorePlugins>) {
    super();
    this.core = new NodeCore(options);
    this.id = this.core.selfId;
    this.address = options.addr;
    this.#codec = options.codec;
    this.#scheduler = options.scheduler;
    this.#onClose = options.onClose;
    this.#driver = new Driver({
      core: this.core,
      transport: options.transport,
      scheduler: options.scheduler,
      codec: options.codec,
      logger: options.logger,
      onEvent: (e) => this.#dispatch(e),
    });
    this.#host = { run: (command) => this.#run(command) };
    const apis: Record<string, unknown> = {};
    for (const [name, plugin] of Object.entries(options.stores ?? {}))
      apis[name] = this.#register(name, plugin);
    this.stores = Object.freeze(apis) as S;
    this.#driver.start();
    if (options.seeds !== undefined && options.seeds.length > 0) this.join(options.seeds);
  }

  /** Every known member, self and tombstones included. */
  members(): MemberRecord[] {
    return this.core.swim.members();
  }

  /** Members that are alive or suspect. */
  liveMembers(): MemberRecord[] {
    return this.core.swim.table.alive();
  }

  member(id: string): MemberRecord | undefined {
    return this.core.swim.table.get(id);
  }

  join(seeds: readonly Address[]): void {
    if (seeds.length > 0) this.#join.start();
    this.#run((now) => this.core.join(now, seeds));
  }

  /**
   * Resolves once the latest join completed (at once for a node started without seeds: it is
   * a new cluster); rejects with `JoinFailedError` when the join gave up after its retries.
   */
  joined(): Promise<void> {
    return this.#join.promise();
  }

  /**
   * A replicated table of the application's own data (see @trellis/kv): `mode: 'owned'` (the
   * default) or `'shared'`. The same name gives the same table; a different mode for a name
   * already in use is a `StoreRegistrationError`.
   */
  kv(name: string, options: Partial<KvConfig> = {}): KvTable {
    const existing = this.#tables.get(name);
    const mode = options.mode ?? 'owned';
    if (existing !== undefined) {
      if (existing.mode !== mode)
        throw new StoreRegistrationError(`kv table ${JSON.stringify(name)} is ${existing.mode}, not ${mode}`);
      return existing;
    }
    const table = this.#register(`kv:${name}`, kvStore(name, options)) as KvTable;
    this.#tables.set(name, table);
    return table;
  }

  /**
   * Gossips `payload` to every member, best effort, each at most once (memberlist's user
   * broadcasts, Serf's user events). Throws on a bad topic or a payload over `payloadBytesMax`.
   */
  broadcast(topic: string, payload: unknown): void {
    this.#run((now) => this.core.broadcast(now, topic, payload));
  }

  /**
   * Sends `payload` to one member over the reliable stream; resolves once the peer has it,
   * rejects with `MessageNotDeliveredError` when it does not answer (or the node closes first).
   */
  send(memberId: string, payload: unknown, options: { readonly topic?: string } = {}): Promise<void> {
    const member = this.member(memberId);
    if (member === undefined)
      return Promise.reject(new InvalidArgumentError(`no member ${JSON.stringify(memberId)}`));
    if (member.status === 'left')
      return Promise.reject(deliveryError(memberId, 'left', 'the member left the cluster'));
    return this.#sends.start(memberId, (done) =>
      this.#run((now) => this.core.send(now, member.addr, options.topic ?? '', payload, done)),
    );
  }

  /** Changes our metadata (gossiped under a new incarnation); throws when over `metaSizeMax`. */
  updateMeta(meta: Uint8Array): void {
    this.#run((now) => this.core.swim.updateMeta(now, meta));
  }

  /** Gossips our departure and resolves once it is out (bounded by the core's leave timer). */
  leave(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#leaveWaiters.push(resolve));
    this.#run((now) => this.core.leave(now));
    if (!this.core.swim.leaving) this.#finishLeave();
    return done;
  }

  /** Stops everything at once (no leave): peers will detect us as failed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#driver.close();
    this.#sends.close();
    this.#finishLeave();
    this.#join.closed();
    await this.#onClose?.();
  }

  /** Test hook: stall this node's timers as a blocked event loop would (see Driver.pause). */
  pause(): void {
    this.#driver.pause();
  }

  resume(): void {
    this.#driver.resume();
  }

  stats(): NodeStats {
    const swim = this.core.swim.stats();
    const counts = { alive: 0, suspect: 0, dead: 0, left: 0 };
    for (const m of this.members()) counts[m.status]++;
    const rejected: Record<string, number> = { ...swim.rejected, ...this.core.rejected() };
    for (const [k, v] of Object.entries(this.#codec.rejections())) rejected[`wire:${k}`] = v;
    return {
      ...this.#driver.stats,
      swim,
      rejected,
      awareness: this.core.swim.awarenessScore,
      members: counts,
      broadcastQueue: this.core.swim.queueStats().pending,
    };
  }

  #register(name: string, plugin: StorePlugin<unknown>): unknown {
    const binding = plugin.create(this.core.storeContext(name, this.#scheduler.now()), this.#host);
    this.core.register(binding.store);
    this.#bindings.set(name, binding);
    return binding.api;
  }

  /** A local command at the current time; then the driver sends what it queued, even on a throw. */
  #run<T>(command: (now: Instant) => T): T {
    const now = this.#scheduler.now();
    try {
      return command(now);
    } finally {
      this.core.afterCommand(now);
      this.#driver.flush();
    }
  }

  #dispatch(e: NodeEvent): void {
    this.emit('event', e);
    switch (e.type) {
      case 'storeEvent':
        this.#bindings.get(e.store)?.deliver(e.event);
        return;
      case 'messageReceived':
        this.emit('message', { topic: e.topic, payload: e.payload, from: e.from, direct: e.direct });
        return;
      case 'memberJoined':
      case 'memberUpdated':
      case 'memberSuspected':
      case 'memberDied':
      case 'memberLeft':
        this.emit('member', e);
        return;
      case 'joined':
        this.#join.joined();
        this.emit('joined', e);
        return;
      case 'joinFailed':
        this.#join.failed(new JoinFailedError(e.attempts, e.errors));
        this.emit('joinFailed', e);
        return;
      case 'joinAttemptFailed':
        this.emit('joinAttemptFailed', e);
        return;
      case 'selfRefuted':
        this.emit('selfRefuted', e);
        return;
      case 'memberConflict':
        this.emit('memberConflict', e);
        return;
      case 'messageRejected':
        this.emit('rejected', e);
        return;
      case 'leaveCompleted':
        this.#finishLeave();
        return;
      case 'syncCompleted':
        this.emit('synced', e);
        return;
      case 'awarenessChanged':
        return;
    }
  }

  #finishLeave(): void {
    const waiters = this.#leaveWaiters;
    this.#leaveWaiters = [];
    for (const w of waiters) w();
  }
}

/** Starts a node on any transport and scheduler: the simulator's hosts, or the real ones. */
export function startNode<P extends StorePlugins = NoStores>(
  options: StartNodeOptions<P>,
): GossipNode<StoreApis<P>> {
  return new GossipNode<StoreApis<P>>(options);
}
