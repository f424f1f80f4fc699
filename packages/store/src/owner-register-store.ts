import type { Instant } from '@trellis/runtime';
import type { RegisterSchema, RegisterTableHooks } from '@trellis/membership';
import type { OwnerRegisterConfig } from './owner-register-config.js';
import { OwnerRecordCounts } from './owner-record-counts.js';
import { boundsRefusal, clockSkewMaxMsDefault, nextPlace, type BoundsRefusal } from './record-bounds.js';
import { signRecord, type RecordSignature } from './record-signature.js';
import { ownerGone, ownerVisible, type OwnerRules } from './owner-liveness.js';
import type { NodeSignal } from './store.js';
import type { StoreContext } from './store-context.js';
import { TableStore } from './table-store.js';

/** The fields every owner-register record has: its owner, and its place in the owner's order. */
export interface OwnedRecord {
  readonly t: string;
  /** The owner's signature over every other field (absent without identity). */
  readonly sg?: Uint8Array;
  /** Owner: the node id of the only node that writes this record. */
  readonly w: string;
  /** Generation: the owner's life (its start time in ms). */
  readonly g: number;
  /** Version within the generation. */
  readonly v: number;
}

export interface OwnerRegisterOptions<R, Reason extends string> {
  readonly ctx: StoreContext;
  readonly tag: string;
  readonly schema: RegisterSchema<R, Reason>;
  /** The fields an owner signs (and the digest hashes), in one order. */
  readonly fields: RecordSignature<R>['fields'];
  readonly config: OwnerRegisterConfig;
  /** Keeps an index of the kind's own (records by overlay, say) as records come and go. */
  readonly index?: Pick<RegisterTableHooks<R>, 'stored' | 'removed'>;
  /** The kind's own last check of a peer record about to be stored (after the owner's). */
  readonly admit?: (record: R) => Reason | undefined;
}

/**
 * Why the generic store refuses a valid peer record: its owner is gone for good, its
 * (generation, version) is one the owner could not have written, or its owner has
 * `recordsPerOwnerMax` records already.
 */
export type OwnerRefusal = 'ownerGone' | 'ownerFull' | BoundsRefusal;

/** Counters every owner-register store keeps. */
export interface OwnerRegisterStats {
  /** Records in the replicated table, tombstones included. */
  readonly records: number;
  /** Peer records that changed the table. */
  readonly applied: number;
  readonly recomputes: number;
  /** Records dropped because their owner was gone for good (see `reapMs`). */
  readonly reaped: number;
  readonly rejected: Readonly<Record<string, number>>;
}

/**
 * The generic owner-register store: single-writer records (a per-key last-writer-wins register
 * ordered by generation, version and content — a CRDT whatever the delivery order) and the owner
 * lifecycle around them, written once for every kind of record:
 *
 * - our own records: written above anything known under their key, with one version clock per
 *   generation, so a record published again after its tombstone was collected here still beats
 *   that tombstone on every slower replica;
 * - news about our own keys that would win (a stale copy, a forgery): re-asserted above it, or
 *   withdrawn above it; our previous life's live records are adopted for `adoptWindowMs`, then
 *   withdrawn unless published again;
 * - owners: visible while alive or suspect, for `graceMs` once dead, never once departed; their
 *   records reaped (and refused from peers) once gone for `reapMs`;
 * - a recompute of the converged view, coalesced, whenever records or members change.
 *
 * A kind of record (routes, tasks, owned kv) extends it with its view and its commands.
 */
export abstract class OwnerRegisterStore<R extends OwnedRecord, Reason extends string, E> extends TableStore<
  R,
  Reason | OwnerRefusal,
  E
> {
  readonly #config: OwnerRegisterConfig;
  readonly #rules: OwnerRules;
  /** Our live records by key, adopted ones included. */
  readonly #own = new Map<string, R>();
  /** Keys adopted from our previous life, and when their window closes. */
  readonly #adopted = new Map<string, Instant>();
  #reaped = 0;
  /** Records of owners nobody knows, reaped here: copies are refused until `until`. */
  readonly #reapedUnknown = new Map<string, { readonly record: R; readonly until: Instant }>();
  /** The highest version written in our generation, across all our keys. */
  #clock = -1;
  /** The `now` of the input being handled (the admission rule needs it). */
  #now: Instant;
  readonly #perOwner: OwnerRecordCounts;
  readonly #perOwnerMax: number;
  readonly #skewMaxMs: number;

  protected constructor(opts: OwnerRegisterOptions<R, Reason>) {
    const { ctx, config } = opts;
    const perOwner = new OwnerRecordCounts();
    super({
      ctx,
      tag: opts.tag,
      schema: opts.schema,
      signature: { fields: opts.fields, signer: (r) => r.w },
      config,
      hooks: {
        ...perOwner.tracking(opts.index),
        // Before the answer to news about our own keys: a forged record we could not get above
        // must not be acted on either.
        verify: (r) => boundsRefusal(r, this.#now, this.#skewMaxMs),
        admit: (r) => this.#refusal(r) ?? opts.admit?.(r),
      },
    });
    this.#config = config;
    this.#perOwner = perOwner;
    this.#perOwnerMax = config.recordsPerOwnerMax ?? config.recordsMax;
    this.#skewMaxMs = config.clockSkewMaxMs ?? clockSkewMaxMsDefault;
    this.#rules = {
      selfId: ctx.selfId,
      liveness: ctx.liveness,
      graceMs: config.graceMs,
      reapMs: config.reapMs,
    };
    this.#now = ctx.now;
  }

  override handleSignal(now: Instant, signal: NodeSignal): void {
    if (signal.type === 'memberChanged') this.markDirty(now);
  }

  override handleTimeout(now: Instant): void {
    this.#now = now;
    super.handleTimeout(now);
  }

  override leave(now: Instant): void {
    for (const key of [...this.#own.keys()]) this.withdrawOwn(now, key);
  }

  protected override merge(
    now: Instant,
    raw: unknown,
  ): ReturnType<TableStore<R, Reason | OwnerRefusal, E>['merge']> {
    this.#now = now;
    return super.merge(now, raw);
  }

  /** `r` withdrawn: the same record in its tombstone state (its version is set by the caller). */
  protected abstract tombstoneOf(r: R): R;

  /** An adopted record of our previous life was not published again in time: withdraw it. */
  protected onAdoptionExpired(now: Instant, key: string): void {
    this.log.info({ key }, 'record of a previous life not published again: withdrawn');
    this.withdrawOwn(now, key);
  }

  protected ownRecord(key: string): R | undefined {
    return this.#own.get(key);
  }

  protected ownRecords(): IterableIterator<R> {
    return this.#own.values();
  }

  protected get ownCount(): number {
    return this.#own.size;
  }

  /** Publishes `draft` (its `g` and `v` are replaced) above whatever is known under its key. */
  protected publishOwn(now: Instant, draft: R): R {
    const key = this.schema.key(draft);
    const current = this.table.get(key);
    const record = this.#stamp(draft, Math.max(this.ctx.generation, current?.g ?? 0), current);
    this.#adopted.delete(key);
    this.#write(now, key, record);
    return record;
  }

  /** Withdraws our record under `key`: a tombstone at our generation. The tombstone, if any. */
  protected withdrawOwn(now: Instant, key: string): R | undefined {
    const own = this.#own.get(key);
    if (own === undefined) return undefined;
    // At our generation even for an adopted record: an old-life copy with a higher version
    // still on some replica must not outrank the tombstone.
    const current = this.table.get(key) ?? own;
    const record = this.#stamp(this.tombstoneOf(own), Math.max(this.ctx.generation, current.g), current);
    this.#write(now, key, record);
    return record;
  }

  /** Is a remote `owner`'s record part of the view at `now` (arming the end of its grace)? */
  protected visible(owner: string, now: Instant): boolean {
    return ownerVisible(this.#rules, owner, now, (at) => this.due(at));
  }

  protected baseStats(): OwnerRegisterStats {
    return { records: this.table.size, ...this.counts(), reaped: this.#reaped, rejected: this.rejected() };
  }

  protected override aboutSelf(now: Instant, remote: R): void {
    const key = this.schema.key(remote);
    const own = this.#own.get(key);
    if (own !== undefined && !this.#adopted.has(key)) {
      // Someone holds a newer record under our name: re-assert ours above it.
      this.#write(now, key, this.#stamp(own, remote.g, remote));
    } else if (remote.g < this.ctx.generation && !this.schema.isTombstone(remote)) {
      // Our previous life's record: keep it published while we get the chance to publish it
      // again (a claim continues its slice, a runtime re-registers its tasks): no blip.
      if (!this.#adopted.has(key)) this.#adopted.set(key, now + this.#config.adoptWindowMs);
      this.#write(now, key, remote);
    } else {
      const g = Math.max(remote.g, this.ctx.generation);
      const above = g === remote.g ? remote : this.table.get(key);
      this.#write(now, key, this.#stamp(this.tombstoneOf(remote), g, above));
    }
  }

  protected override sweep(now: Instant): number {
    const collected = super.sweep(now);
    for (const [key, r] of this.#reapedUnknown) if (r.until <= now) this.#reapedUnknown.delete(key);
    const dropped = this.table.prune((r, since) => ownerGone(this.#rules, r.w, r.g, now, since));
    for (const r of dropped)
      if (this.ctx.liveness.member(r.w) === undefined)
        this.#reapedUnknown.set(this.schema.key(r), { record: r, until: now + this.#config.reapMs });
    const reaped = dropped.length;
    if (reaped > 0) {
      this.#reaped += reaped;
      this.log.info({ records: reaped }, 'dropped the records of owners gone for good');
    }
    return collected + reaped;
  }

  protected override nextTimer(): Instant | undefined {
    let t: Instant | undefined;
    for (const until of this.#adopted.values()) if (t === undefined || until < t) t = until;
    return t;
  }

  protected override fireTimers(now: Instant): void {
    for (const [key, until] of this.#adopted) {
      if (until > now) continue;
      this.#adopted.delete(key);
      this.onAdoptionExpired(now, key);
    }
  }

  /**
   * Why a valid peer record that would be stored is refused, if it is. Records of an owner gone
   * for good are, but for its tombstone over a copy we still hold (its last word; the copy is
   * reaped at the sweep anyway). Replicas reap at their own sweeps, and one that has not yet
   * offers what it holds back: taken again (and relayed), it would go round the cluster for
   * ever. So a tombstone for a key we dropped is refused too, and so are copies of what we
   * reaped of an owner nobody knows (its records are taken on the benefit of the doubt, and
   * reaped by the time they have been stored `reapMs`), while it stays unknown.
   */
  #refusal(r: R): 'ownerGone' | 'ownerFull' | undefined {
    const key = this.schema.key(r);
    if (ownerGone(this.#rules, r.w, r.g, this.#now, undefined))
      return this.schema.isTombstone(r) && this.table.get(key) !== undefined ? undefined : 'ownerGone';
    if (this.table.get(key) === undefined && this.#perOwner.of(r.w) >= this.#perOwnerMax) return 'ownerFull';
    const reaped = this.#reapedUnknown.get(key);
    if (reaped === undefined || this.ctx.liveness.member(r.w) !== undefined) return undefined;
    return this.schema.compare(r, reaped.record) <= 0 ? 'ownerGone' : undefined;
  }

  /** `r` placed above `above` (what it replaces) and our clock: see `nextPlace`. */
  #stamp(r: R, generation: number, above: R | undefined): R {
    const { g, v } = nextPlace(generation, above, this.ctx.generation, this.#clock);
    if (g === this.ctx.generation) this.#clock = v;
    // A new version needs a new signature: the old one, if any, covered the old fields.
    const { sg: _old, ...fields } = r;
    return signRecord(this.ctx.signing, this.signature, Object.freeze({ ...fields, g, v }) as R);
  }

  #write(now: Instant, key: string, record: R): void {
    if (this.schema.isTombstone(record)) {
      this.#own.delete(key);
      this.#adopted.delete(key);
    } else this.#own.set(key, record);
    this.table.setOwn(record, now);
    this.ctx.broadcast(key, record);
    this.markDirty(now);
  }
}
