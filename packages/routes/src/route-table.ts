import type { Instant } from '@trellis/runtime';
import { DigestIndex, type DigestView } from '@trellis/membership';
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

interface Slot {
  readonly record: RouteWire;
  /** Local time the record last changed: withdrawn records are collected after the TTL. */
  readonly since: Instant;
}

/**
 * The replicated route table: every route record of every owner on every overlay, joined per
 * key. Records for overlays this node does not configure are kept too, so replicas with
 * different overlay lists still agree bit for bit and anti-entropy stays quiet.
 */
export class RouteTable {
  readonly #selfId: string;
  readonly #opts: RouteTableOptions;
  readonly #slots = new Map<string, Slot>();
  /** The same records by overlay, then owner: recomputing one overlay must not scan all. */
  readonly #byOverlay = new Map<string, Map<string, RouteWire>>();
  readonly #digest: DigestIndex;
  readonly #rejected = Object.fromEntries(routeRejectReasons.map((r) => [r, 0])) as Record<
    RouteRejectReason,
    number
  >;

  constructor(selfId: string, opts: RouteTableOptions) {
    this.#selfId = selfId;
    this.#opts = opts;
    this.#digest = new DigestIndex(opts.digestBuckets);
  }

  get size(): number {
    return this.#slots.size;
  }

  get(overlay: string, owner: string): RouteWire | undefined {
    return this.#slots.get(routeKey(overlay, owner))?.record;
  }

  getByKey(key: string): RouteWire | undefined {
    return this.#slots.get(key)?.record;
  }

  all(): IterableIterator<RouteWire> {
    return (function* (slots) {
      for (const s of slots.values()) yield s.record;
    })(this.#slots);
  }

  /** Every record of one overlay. */
  forOverlay(overlay: string): IterableIterator<RouteWire> {
    return (this.#byOverlay.get(overlay) ?? new Map<string, RouteWire>()).values();
  }

  digest(): DigestView {
    return this.#digest;
  }

  rejected(): Readonly<Record<RouteRejectReason, number>> {
    return { ...this.#rejected };
  }

  /** Joins a peer's record. Validates first; never throws. */
  merge(raw: unknown, now: Instant): RouteMergeOutcome {
    const v = validateRouteWire(raw);
    if (!v.ok) return this.#reject(v.reason);
    const record = v.record;
    const key = routeKey(record.o, record.w);
    const slot = this.#slots.get(key);
    if (slot !== undefined && compareRouteWire(record, slot.record) <= 0) return { kind: 'unchanged' };
    if (record.w === this.#selfId) return { kind: 'aboutSelf', remote: record };
    if (slot === undefined && this.#slots.size >= this.#opts.recordsMax) return this.#reject('tableFull');
    this.#store(key, record, now);
    return { kind: 'applied', previous: slot?.record, current: record };
  }

  /** Stores one of our own records (the caller owns `record.w`). */
  setOwn(record: RouteWire, now: Instant): void {
    this.#store(routeKey(record.o, record.w), record, now);
  }

  /** Removes withdrawn records older than the tombstone TTL; returns their keys. */
  collect(now: Instant): string[] {
    const removed: string[] = [];
    for (const [key, slot] of this.#slots) {
      if (slot.record.st !== routeStates.withdrawn || now - slot.since < this.#opts.tombstoneTtlMs) continue;
      this.#slots.delete(key);
      this.#digest.delete(key);
      this.#byOverlay.get(slot.record.o)?.delete(slot.record.w);
      removed.push(key);
    }
    return removed;
  }

  #store(key: string, record: RouteWire, now: Instant): void {
    this.#slots.set(key, { record, since: now });
    this.#digest.set(key, routeHash(record));
    let owners = this.#byOverlay.get(record.o);
    if (owners === undefined) this.#byOverlay.set(record.o, (owners = new Map<string, RouteWire>()));
    owners.set(record.w, record);
  }

  #reject(reason: RouteRejectReason): RouteMergeOutcome {
    this.#rejected[reason]++;
    return { kind: 'rejected', reason };
  }
}
