import { EventEmitter } from 'eventemitter3';
import type { Scheduler } from '@trellis/runtime';
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
}

/**
 * `node.routes`: publish this agent's route on an overlay, read the converged route tables and
 * subscribe to their changes, like lashup_kv's subscriptions.
 */
export class RoutesApi extends EventEmitter<RoutesApiEvents> {
  readonly #core: NodeCore;
  readonly #scheduler: Scheduler;
  readonly #flush: () => void;

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

  stats(): RoutesStats {
    return this.#core.routes.stats();
  }

  /** @internal Called by GossipNode for every route-store event. */
  dispatch(e: RoutesEvent): void {
    if (e.type === 'routesChanged') this.emit('changed', e);
    else if (e.type === 'routeRejected') this.emit('rejected', e);
    else this.emit('slice', e);
  }
}
