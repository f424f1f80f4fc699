import { EventEmitter } from 'eventemitter3';
import type { Address, Logger, Scheduler, Transport } from '@trellis/runtime';
import type { MemberRecord } from '@trellis/membership';
import type { SwimEvent, SwimStats } from '@trellis/swim';
import type { Overlay } from '@trellis/routes';
import { NodeCore, type NodeCoreOptions, type NodeEvent } from './core/node-core.js';
import { Driver, type DriverStats } from './driver.js';
import { RoutesApi } from './routes-api.js';
import { TasksApi } from './tasks-api.js';
import type { WireCodec } from './wire/wire-codec.js';

type MemberEvent = Extract<
  SwimEvent,
  { type: 'memberJoined' | 'memberUpdated' | 'memberSuspected' | 'memberDied' | 'memberLeft' }
>;

/** Events of a `GossipNode` (eventemitter3). */
export interface GossipNodeEvents {
  /** Any change of a member: joined, updated, suspected, died, left. */
  member: [event: MemberEvent];
  joined: [event: Extract<SwimEvent, { type: 'joined' }>];
  joinAttemptFailed: [event: Extract<SwimEvent, { type: 'joinAttemptFailed' }>];
  selfRefuted: [event: Extract<SwimEvent, { type: 'selfRefuted' }>];
  /** A push-pull exchange we started completed: we hold everything the peer had. */
  synced: [event: Extract<SwimEvent, { type: 'syncCompleted' }>];
  /** Peer input that was dropped (also counted in `stats().rejected`). */
  rejected: [event: Extract<SwimEvent, { type: 'messageRejected' }>];
  /** Every core event, for tools that want all of them. */
  event: [event: NodeEvent];
}

export interface NodeStats extends DriverStats {
  readonly swim: SwimStats;
  /** Drops by reason, wire-level and protocol-level together. */
  readonly rejected: Readonly<Record<string, number>>;
  readonly awareness: number;
  readonly members: {
    readonly alive: number;
    readonly suspect: number;
    readonly dead: number;
    readonly left: number;
  };
  readonly broadcastQueue: number;
}

export interface StartNodeOptions extends NodeCoreOptions {
  readonly transport: Transport;
  readonly scheduler: Scheduler;
  readonly codec: WireCodec;
  readonly seeds?: readonly Address[];
  readonly logger: Logger;
  /** Called once the transport is closed (real transports close asynchronously). */
  readonly onClose?: () => Promise<void>;
}

/**
 * A running gossip node: the core, its driver, and an event-emitting face for applications.
 * Create it with `createNode()` (real UDP) or `startNode()` (any transport, e.g. the simulator).
 */
export class GossipNode extends EventEmitter<GossipNodeEvents> {
  readonly id: string;
  readonly address: Address;
  readonly core: NodeCore;
  /** Overlay routes: publish ours, read and subscribe to the converged tables. */
  readonly routes: RoutesApi;
  /** Tasks: publish the ones this agent runs, read every live agent's (what DNS answers from). */
  readonly tasks: TasksApi;
  readonly #driver: Driver;
  readonly #codec: WireCodec;
  readonly #scheduler: Scheduler;
  readonly #onClose: (() => Promise<void>) | undefined;
  #leaveWaiters: (() => void)[] = [];
  #closed = false;

  constructor(options: StartNodeOptions) {
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
    this.routes = new RoutesApi(this.core, options.scheduler, () => this.#driver.flush());
    this.tasks = new TasksApi(this.core, options.scheduler, () => this.#driver.flush());
    this.#driver.start();
    if (options.seeds !== undefined && options.seeds.length > 0) this.join(options.seeds);
  }

  /** The overlay networks this node routes. */
  get overlays(): Overlay[] {
    return this.routes.overlays;
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
    this.core.join(this.#scheduler.now(), seeds);
    this.#driver.flush();
  }

  /** Gossips our departure and resolves once it is out (bounded by the core's leave timer). */
  leave(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.#leaveWaiters.push(resolve));
    this.core.leave(this.#scheduler.now());
    this.#driver.flush();
    if (!this.core.swim.leaving) this.#finishLeave();
    return done;
  }

  /** Stops everything at once (no leave): peers will detect us as failed. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#driver.close();
    this.#finishLeave();
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
    const rejected: Record<string, number> = { ...swim.rejected };
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

  #dispatch(e: NodeEvent): void {
    this.emit('event', e);
    switch (e.type) {
      case 'memberJoined':
      case 'memberUpdated':
      case 'memberSuspected':
      case 'memberDied':
      case 'memberLeft':
        this.emit('member', e);
        return;
      case 'joined':
        this.emit('joined', e);
        return;
      case 'joinAttemptFailed':
        this.emit('joinAttemptFailed', e);
        return;
      case 'selfRefuted':
        this.emit('selfRefuted', e);
        return;
      case 'messageRejected':
        this.emit('rejected', e);
        return;
      case 'leaveCompleted':
        this.#finishLeave();
        return;
      case 'awarenessChanged':
      case 'joinFailed': // swim's new events reach listeners as 'event' until the node names them
      case 'memberConflict':
        return;
      case 'syncCompleted':
        this.emit('synced', e);
        return;
      case 'tasksChanged':
      case 'taskRejected':
        this.tasks.dispatch(e);
        return;
      default:
        this.routes.dispatch(e);
    }
  }

  #finishLeave(): void {
    const waiters = this.#leaveWaiters;
    this.#leaveWaiters = [];
    for (const w of waiters) w();
  }
}

/** Starts a node on any transport and scheduler: the simulator's hosts, or the real ones. */
export function startNode(options: StartNodeOptions): GossipNode {
  return new GossipNode(options);
}
