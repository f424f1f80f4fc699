import { EventEmitter } from 'eventemitter3';
import { InvalidStateError, type Scheduler } from '@trellis/runtime';
import { AddressExhaustedError, ContainerAllocator } from '@trellis/routes';
import type {
  LocalRoute,
  Overlay,
  PublishOptions,
  RouteEntry,
  RoutesChanged,
  RoutesEvent,
  RoutesStats,
} from '@trellis/routes';
import type { NodeCore } from './core/node-core.js';

export interface RoutesApiEvents {
  /** A converged table changed: `{ overlay, added, removed, changed: [previous, next][] }`. */
  changed: [event: RoutesChanged];
  /** Our own slice: claimed, settled (usable), lost to an earlier claim, or none left. */
  slice: [event: Exclude<RoutesEvent, RoutesChanged | { type: 'routeRejected' }>];
  rejected: [event: Extract<RoutesEvent, { type: 'routeRejected' }>];
  /** A bridge half of our slice has no container address left. */
  addressesExhausted: [event: { overlay: string; half: ContainerHalf; cidr: string; message: string }];
}

/** The Mesos half (`m-<overlay>` bridge) or the Docker half (`d-<overlay>`) of our slice. */
export type ContainerHalf = 'mesos' | 'docker';

/**
 * `node.routes`: publish this agent's route on an overlay, read the converged route tables and
 * subscribe to their changes, like lashup_kv's subscriptions.
 */
export class RoutesApi extends EventEmitter<RoutesApiEvents> {
  readonly #core: NodeCore;
  readonly #scheduler: Scheduler;
  readonly #flush: () => void;
  /** Container allocators by half CIDR: a new slice (after a lost claim) gets new ones. */
  readonly #allocators = new Map<string, ContainerAllocator>();
  #addressesExhausted = 0;

  constructor(core: NodeCore, scheduler: Scheduler, flush: () => void) {
    super();
    this.#core = core;
    this.#scheduler = scheduler;
    this.#flush = flush;
  }

  get overlays(): Overlay[] {
    return this.#core.routes.overlays;
  }

  /**
   * Claims a slice of `overlay` for this agent (or updates its addresses). The slice is usable
   * once `local(overlay).state` is `settled` (a `slice` event of type `sliceSettled`).
   * Throws `SliceExhaustedError` when no slice is free.
   */
  publish(overlay: string, opts: PublishOptions): LocalRoute {
    const now = this.#scheduler.now();
    try {
      return this.#core.routes.publish(now, overlay, opts);
    } finally {
      this.#core.afterCommand(now);
      this.#flush();
    }
  }

  withdraw(overlay: string): void {
    const now = this.#scheduler.now();
    this.#core.routes.withdraw(now, overlay);
    this.#core.afterCommand(now);
    this.#flush();
  }

  /** The converged table: remote live agents' routes on `overlay`, sorted by owner. */
  table(overlay: string): RouteEntry[] {
    return this.#core.routes.routes(overlay);
  }

  local(overlay: string): LocalRoute | undefined {
    return this.#core.routes.local(overlay);
  }

  /** Calls `fn` on every change of one overlay's table; returns the unsubscribe function. */
  subscribe(overlay: string, fn: (event: RoutesChanged) => void): () => void {
    const listener = (e: RoutesChanged): void => {
      if (e.overlay === overlay) fn(e);
    };
    this.on('changed', listener);
    return () => this.off('changed', listener);
  }

  /**
   * A container address from one half of our settled slice; the same `owner` (a task or
   * container id) always gets the same address. Throws `InvalidStateError` before the slice
   * has settled, `AddressExhaustedError` (also an event and a counter) when the half is full.
   */
  allocateContainerIp(overlay: string, half: ContainerHalf, owner: string): string {
    const allocator = this.#allocator(overlay, half);
    try {
      return allocator.allocate(owner);
    } catch (error) {
      if (error instanceof AddressExhaustedError) {
        this.#addressesExhausted++;
        this.emit('addressesExhausted', { overlay, half, cidr: error.cidr, message: error.message });
      }
      throw error;
    }
  }

  /** Returns a container address (given as the address or its owner) to its half. */
  releaseContainerIp(overlay: string, half: ContainerHalf, addressOrOwner: string): boolean {
    return this.#allocator(overlay, half).release(addressOrOwner);
  }

  stats(): RoutesStats & { addressesExhausted: number } {
    return { ...this.#core.routes.stats(), addressesExhausted: this.#addressesExhausted };
  }

  #allocator(overlay: string, half: ContainerHalf): ContainerAllocator {
    const local = this.#core.routes.local(overlay);
    if (local?.state !== 'settled' || local.route === undefined) {
      throw new InvalidStateError(
        `overlay ${overlay}: no settled slice yet (state ${local?.state ?? 'unpublished'})`,
      );
    }
    const cidr = half === 'mesos' ? local.route.mesosSubnet : local.route.dockerSubnet;
    let a = this.#allocators.get(cidr);
    if (a === undefined) this.#allocators.set(cidr, (a = new ContainerAllocator(cidr)));
    return a;
  }

  /** @internal Called by GossipNode for every route-store event. */
  dispatch(e: RoutesEvent): void {
    if (e.type === 'routesChanged') this.emit('changed', e);
    else if (e.type === 'routeRejected') this.emit('rejected', e);
    else this.emit('slice', e);
  }
}
