import { EventEmitter } from 'eventemitter3';
import { InvalidStateError } from '@trellis/runtime';
import type { StoreHost } from '@trellis/store';
import { ContainerAllocator } from './container-allocator.js';
import type { Overlay } from './overlay.js';
import type { RouteEntry } from './route-entry.js';
import type { RouteWire } from './route-record.js';
import type { RouteStore } from './route-store.js';
import { AddressExhaustedError } from './routes-errors.js';
import type { RoutesChanged, RoutesEvent, RoutesStats } from './routes-events.js';
import type { LocalRoute, PublishOptions } from './slice-claims.js';

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
  /** The sans-IO store behind this API (for tools that read the replicated table itself). */
  readonly store: RouteStore;
  readonly #host: StoreHost;
  /** Container allocators by half CIDR: a new slice (after a lost claim) gets new ones. */
  readonly #allocators = new Map<string, ContainerAllocator>();
  #addressesExhausted = 0;

  constructor(store: RouteStore, host: StoreHost) {
    super();
    this.store = store;
    this.#host = host;
  }

  get overlays(): Overlay[] {
    return this.store.overlays;
  }

  /**
   * Claims a slice of `overlay` for this agent (or updates its addresses). The slice is usable
   * once `local(overlay).state` is `settled` (a `slice` event of type `sliceSettled`).
   * Throws `SliceExhaustedError` when no slice is free.
   */
  publish(overlay: string, opts: PublishOptions): LocalRoute {
    return this.#host.run((now) => this.store.publish(now, overlay, opts));
  }

  withdraw(overlay: string): void {
    this.#host.run((now) => this.store.withdraw(now, overlay));
  }

  /**
   * The converged table: the routes of the other live agents on `overlay`, sorted by owner.
   * Our own route is not in it (it is `local(overlay).route`): the table is what the kernel
   * needs to reach everyone else.
   */
  table(overlay: string): RouteEntry[] {
    return this.store.routes(overlay);
  }

  local(overlay: string): LocalRoute | undefined {
    return this.store.local(overlay);
  }

  /** Does remote `owner` hold a settled slice of `overlay` with `ipv4` and `ipv6` ('' for none) in it? */
  holdsAddresses(owner: string, overlay: string, ipv4: string, ipv6: string): boolean {
    return this.store.holdsAddresses(owner, overlay, ipv4, ipv6);
  }

  /** The record `owner` holds on `overlay` in the replicated table, whatever its state. */
  record(overlay: string, owner: string): RouteWire | undefined {
    return this.store.record(overlay, owner);
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
   * A container address from one half of our settled slice (IPv4, or IPv6 on an IPv6-only
   * overlay); the same `owner` (a task or
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
    return { ...this.store.stats(), addressesExhausted: this.#addressesExhausted };
  }

  #allocator(overlay: string, half: ContainerHalf): ContainerAllocator {
    const local = this.store.local(overlay);
    if (local?.state !== 'settled' || local.route === undefined) {
      throw new InvalidStateError(
        `overlay ${overlay}: no settled slice yet (state ${local?.state ?? 'unpublished'})`,
      );
    }
    const r = local.route;
    // An IPv6-only overlay's halves are IPv6: the allocator serves whichever family there is.
    const cidr = (
      half === 'mesos' ? (r.mesosSubnet ?? r.mesosSubnet6) : (r.dockerSubnet ?? r.dockerSubnet6)
    )!;
    let a = this.#allocators.get(cidr);
    if (a === undefined) this.#allocators.set(cidr, (a = new ContainerAllocator(cidr)));
    return a;
  }

  /** @internal Called by the node for every route-store event, in order. */
  deliver(e: RoutesEvent): void {
    if (e.type === 'routesChanged') this.emit('changed', e);
    else if (e.type === 'routeRejected') this.emit('rejected', e);
    else this.emit('slice', e);
  }
}
