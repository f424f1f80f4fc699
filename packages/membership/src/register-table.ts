import type { Instant } from '@trellis/runtime';
import { DigestIndex, type DigestView } from './digest-index.js';
import type { EntryHash } from './entry-hash.js';
import { isHeldCopy } from './held-copy.js';

/**
 * What a `RegisterTable` needs to know about its records: they are registers totally ordered by
 * `compare`, so the join of two replicas is "keep the greater per key" — a CRDT whatever the
 * delivery order. Single-writer registers (only `owner(r)` ever writes under `key(r)`) name
 * their owner, and news about our own records is handed back to the caller (`aboutSelf`);
 * multi-writer registers (last writer wins by a clock in `compare`) have no `owner`.
 */
export interface RegisterSchema<R, Reason extends string> {
  /** The one point where a peer's record becomes a typed value. Must never throw. */
  validate(
    raw: unknown,
  ): { readonly ok: true; readonly record: R } | { readonly ok: false; readonly reason: Reason };
  key(r: R): string;
  owner?(r: R): string;
  /** Total order: generation and version first, then content, the same on every node. */
  compare(a: R, b: R): -1 | 0 | 1;
  /** The digest version: any difference in any field must show. */
  hash(r: R): EntryHash;
  /** A withdrawn record, kept for the tombstone TTL and then collected. */
  isTombstone(r: R): boolean;
}

export interface RegisterTableOptions {
  readonly recordsMax: number;
  readonly tombstoneTtlMs: number;
  readonly digestBuckets: number;
}

export type RegisterMergeOutcome<R, Reason extends string> =
  | { readonly kind: 'applied'; readonly previous: R | undefined; readonly current: R }
  | { readonly kind: 'unchanged' }
  /** News about one of our own records that would win: the caller must re-assert its own. */
  | { readonly kind: 'aboutSelf'; readonly remote: R }
  | { readonly kind: 'rejected'; readonly reason: Reason | 'tableFull' };

/** Called as records are stored or removed, so a table can keep its own indexes. */
export interface RegisterTableHooks<R, Reason extends string = string> {
  stored?(record: R, previous: R | undefined): void;
  removed?(record: R): void;
  /**
   * Checks a newer peer record before anything is done with it (its signature, say): the reason
   * it is refused, or undefined. Runs before the `aboutSelf` answer, so news about our own
   * records that fails it is never acted on, and after the order check, so copies of what we
   * hold (most of anti-entropy) cost nothing.
   */
  verify?(record: R, now: Instant): Reason | undefined;
  /** Refuses a valid peer record that would be stored (e.g. its owner is long gone): the reason. */
  admit?(record: R): Reason | undefined;
}

interface Slot<R> {
  readonly record: R;
  /** Local time the record last changed: tombstones are collected after the TTL. */
  readonly since: Instant;
}

/**
 * A replicated table of single-writer records (routes, tasks): the join per key, our own
 * writes, tombstone collection, a bound on the number of keys, and the digest that
 * anti-entropy compares. Rejections are counted by reason.
 */
export class RegisterTable<R, Reason extends string> {
  readonly #selfId: string;
  readonly #schema: RegisterSchema<R, Reason>;
  readonly #opts: RegisterTableOptions;
  readonly #hooks: RegisterTableHooks<R, Reason>;
  readonly #slots = new Map<string, Slot<R>>();
  /**
   * Tombstones collected here, kept out of the table and the digest for one more TTL (`since`:
   * when they were collected). Replicas collect at their own times; a replica that has not yet
   * offers the tombstone back, and taking it (then relaying it, or its owner withdrawing above
   * it again) would keep every tombstone alive for ever. Nothing at or below one is taken.
   */
  readonly #collected = new Map<string, Slot<R>>();
  readonly #digest: DigestIndex;
  readonly #rejected = new Map<Reason | 'tableFull', number>();

  constructor(
    selfId: string,
    schema: RegisterSchema<R, Reason>,
    opts: RegisterTableOptions,
    hooks: RegisterTableHooks<R, Reason> = {},
  ) {
    this.#selfId = selfId;
    this.#schema = schema;
    this.#opts = opts;
    this.#hooks = hooks;
    this.#digest = new DigestIndex(opts.digestBuckets);
  }

  get size(): number {
    return this.#slots.size;
  }

  get(key: string): R | undefined {
    return this.#slots.get(key)?.record;
  }

  all(): IterableIterator<R> {
    return (function* (slots) {
      for (const s of slots.values()) yield s.record;
    })(this.#slots);
  }

  digest(): DigestView {
    return this.#digest;
  }

  /** Rejections so far, by reason (reasons never seen are absent). */
  rejected(): Record<string, number> {
    return Object.fromEntries(this.#rejected);
  }

  /** Joins a peer's record. Validates first; never throws. */
  merge(raw: unknown, now: Instant): RegisterMergeOutcome<R, Reason> {
    if (this.#heldCopy(raw)) return { kind: 'unchanged' };
    const v = this.#schema.validate(raw);
    if (!v.ok) return this.#reject(v.reason);
    const record = v.record;
    const key = this.#schema.key(record);
    const slot = this.#slots.get(key);
    const known = slot ?? this.#collected.get(key);
    if (known !== undefined && this.#schema.compare(record, known.record) <= 0) return { kind: 'unchanged' };
    const unverified = this.#hooks.verify?.(record, now);
    if (unverified !== undefined) return this.#reject(unverified);
    if (this.#schema.owner?.(record) === this.#selfId) return { kind: 'aboutSelf', remote: record };
    const refused = this.#hooks.admit?.(record);
    if (refused !== undefined) return this.#reject(refused);
    if (slot === undefined && this.#slots.size >= this.#opts.recordsMax) return this.#reject('tableFull');
    this.#store(key, record, slot?.record, now);
    return { kind: 'applied', previous: slot?.record, current: record };
  }

  /** A copy of a record we hold (or collected) needs no validation: it is unchanged. */
  #heldCopy(raw: unknown): boolean {
    let key: string;
    try {
      key = this.#schema.key(raw as R);
    } catch {
      return false;
    }
    const known = this.#slots.get(key) ?? this.#collected.get(key);
    return known !== undefined && isHeldCopy(raw, known.record as object);
  }

  /** Stores one of our own records (the caller owns it). */
  setOwn(record: R, now: Instant): void {
    const key = this.#schema.key(record);
    this.#store(key, record, this.#slots.get(key)?.record, now);
  }

  /**
   * Removes tombstones older than the TTL; returns the records removed. For one more TTL, they
   * still beat what they beat (see `#collected`), then they are forgotten.
   */
  collect(now: Instant): R[] {
    const ttl = this.#opts.tombstoneTtlMs;
    for (const [key, c] of this.#collected) if (now - c.since >= ttl) this.#collected.delete(key);
    const removed = this.prune((record, since) => this.#schema.isTombstone(record) && now - since >= ttl);
    for (const r of removed) this.#collected.set(this.#schema.key(r), { record: r, since: now });
    return removed;
  }

  /**
   * Removes every record `drop` picks (given the local time it last changed), e.g. those of an
   * owner gone for good; returns them. Replicas prune by the same rule, so they agree again.
   */
  prune(drop: (record: R, since: Instant) => boolean): R[] {
    const removed: R[] = [];
    for (const [key, slot] of this.#slots) {
      if (!drop(slot.record, slot.since)) continue;
      this.#slots.delete(key);
      this.#digest.delete(key);
      this.#hooks.removed?.(slot.record);
      removed.push(slot.record);
    }
    return removed;
  }

  #store(key: string, record: R, previous: R | undefined, now: Instant): void {
    this.#collected.delete(key);
    this.#slots.set(key, { record, since: now });
    this.#digest.set(key, this.#schema.hash(record));
    this.#hooks.stored?.(record, previous);
  }

  #reject(reason: Reason | 'tableFull'): RegisterMergeOutcome<R, Reason> {
    this.#rejected.set(reason, (this.#rejected.get(reason) ?? 0) + 1);
    return { kind: 'rejected', reason };
  }
}
