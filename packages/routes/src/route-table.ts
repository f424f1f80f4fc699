import type { Instant } from '@trellis/runtime';
import { RegisterTable, type DigestView, type RegisterSchema } from '@trellis/membership';
import {
  compareRouteWire,
  routeHash,
  routeKey,
  routeRejectReasons,
  routeStates,
  validateRouteWire,
  type RouteRejectReason,
  type RouteWire,
} from './route-record.js';

export interface RouteTableOptions {
  readonly recordsMax: number;
  readonly tombstoneTtlMs: number;
  readonly digestBuckets: number;
}

export type RouteMergeOutcome =
  | { readonly kind: 'applied'; readonly previous: RouteWire | undefined; readonly current: RouteWire }
  | { readonly kind: 'unchanged' }
  /** News about one of our own records that would win: the caller must re-assert its own. */
  | { readonly kind: 'aboutSelf'; readonly remote: RouteWire }
  | { readonly kind: 'rejected'; readonly reason: RouteRejectReason };

const routeSchema: RegisterSchema<RouteWire, RouteRejectReason> = {
  validate: validateRouteWire,
  key: (r) => routeKey(r.o, r.w),
  owner: (r) => r.w,
  compare: compareRouteWire,
  hash: routeHash,
  isTombstone: (r) => r.st === routeStates.withdrawn,
};

/**
 * The replicated route table: every route record of every owner on every overlay, joined per
 * key. Records for overlays this node does not configure are kept too, so replicas with
 * different overlay lists still agree bit for bit and anti-entropy stays quiet.
 */
export class RouteTable {
  readonly #table: RegisterTable<RouteWire, RouteRejectReason>;
  /** The same records by overlay, then owner: recomputing one overlay must not scan all. */
  readonly #byOverlay = new Map<string, Map<string, RouteWire>>();

  constructor(selfId: string, opts: RouteTableOptions) {
    this.#table = new RegisterTable(selfId, routeSchema, opts, {
      stored: (r) => {
        let owners = this.#byOverlay.get(r.o);
        if (owners === undefined) this.#byOverlay.set(r.o, (owners = new Map<string, RouteWire>()));
        owners.set(r.w, r);
      },
      removed: (r) => this.#byOverlay.get(r.o)?.delete(r.w),
    });
  }

  get size(): number {
    return this.#table.size;
  }

  get(overlay: string, owner: string): RouteWire | undefined {
    return this.#table.get(routeKey(overlay, owner));
  }

  getByKey(key: string): RouteWire | undefined {
    return this.#table.get(key);
  }

  all(): IterableIterator<RouteWire> {
    return this.#table.all();
  }

  /** Every record of one overlay. */
  forOverlay(overlay: string): IterableIterator<RouteWire> {
    return (this.#byOverlay.get(overlay) ?? new Map<string, RouteWire>()).values();
  }

  digest(): DigestView {
    return this.#table.digest();
  }

  rejected(): Readonly<Record<RouteRejectReason, number>> {
    const seen = this.#table.rejected();
    return Object.fromEntries(routeRejectReasons.map((r) => [r, seen[r] ?? 0])) as Record<
      RouteRejectReason,
      number
    >;
  }

  /** Joins a peer's record. Validates first; never throws. */
  merge(raw: unknown, now: Instant): RouteMergeOutcome {
    return this.#table.merge(raw, now);
  }

  /** Stores one of our own records (the caller owns `record.w`). */
  setOwn(record: RouteWire, now: Instant): void {
    this.#table.setOwn(record, now);
  }

  /** Removes withdrawn records older than the tombstone TTL; returns their keys. */
  collect(now: Instant): string[] {
    return this.#table.collect(now).map((r) => routeKey(r.o, r.w));
  }
}
