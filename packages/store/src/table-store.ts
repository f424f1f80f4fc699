import type { Address, Instant, Logger } from '@trellis/runtime';
import {
  RegisterTable,
  type DigestView,
  type RegisterSchema,
  type RegisterTableHooks,
  type RegisterTableOptions,
} from '@trellis/membership';
import {
  signatureHolds,
  type RecordSignature,
  type SignatureReason,
  type SignedRecord,
} from './record-signature.js';
import type { NodeSignal, Store } from './store.js';
import type { StoreContext } from './store-context.js';

export interface TableStoreOptions<R extends SignedRecord, Reason extends string> {
  readonly ctx: StoreContext;
  readonly tag: string;
  readonly schema: RegisterSchema<R, Reason>;
  /** How the kind's records are signed: with identity on, peers' records must verify. */
  readonly signature: RecordSignature<R>;
  readonly config: RegisterTableOptions & {
    readonly recomputeDelayMs: number;
    readonly broadcastShare: number;
  };
  /** Keeps the kind's own indexes as records come and go, or refuses records (`admit`). */
  readonly hooks?: RegisterTableHooks<R, Reason>;
}

const sweepIntervalMs = 60_000;
/**
 * Records of an anti-entropy batch larger than this are not relayed by gossip: a bulk transfer
 * (a join, a boot storm, a healed partition) reaches everyone through everyone's own
 * anti-entropy, and relaying it would fill every node's broadcast queue with news most peers
 * already have. Small batches are relayed: they are usually fresh news this peer missed.
 */
const relayBatchMax = 64;
const eventsMax = 100_000;

/**
 * A store whose state is one replicated `RegisterTable`: the store contract's plumbing every
 * such store shares — anti-entropy straight from the table, peer records merged (and relayed
 * when they change it), a periodic sweep of old tombstones, a coalesced recompute of the
 * converged view whenever something it depends on changed, and a bounded event queue.
 */
export abstract class TableStore<R extends SignedRecord, Reason extends string, E> implements Store<E> {
  readonly name: string;
  readonly tag: string;
  readonly broadcastShare: number;
  readonly table: RegisterTable<R, Reason | SignatureReason>;
  protected readonly ctx: StoreContext;
  protected readonly log: Logger;
  protected readonly schema: RegisterSchema<R, Reason>;
  protected readonly signature: RecordSignature<R>;
  readonly #recomputeDelayMs: number;
  readonly #events: E[] = [];
  readonly #counts = { applied: 0, recomputes: 0 };
  /** Drops the kind decided itself (the table counts its own): see `refuse`. */
  readonly #refused = new Map<string, number>();
  #recomputeAt: Instant | undefined;
  #deadline: Instant | undefined;
  #sweepAt: Instant;

  protected constructor(opts: TableStoreOptions<R, Reason>) {
    const { ctx, config } = opts;
    this.ctx = ctx;
    this.name = ctx.name;
    this.tag = opts.tag;
    this.broadcastShare = config.broadcastShare;
    this.schema = opts.schema;
    this.log = ctx.logger.child({ component: ctx.name });
    this.signature = opts.signature;
    // With identity on, a peer's newer record counts only if its owner signed it; the kind's
    // own check (cheap bounds) goes first, so a refused record costs no signature check.
    const hooks = opts.hooks;
    const verify = (r: R, now: Instant): Reason | SignatureReason | undefined => {
      const bounded = hooks?.verify?.(r, now);
      if (bounded !== undefined) return bounded;
      if (!ctx.signing.enabled) return undefined;
      // A record may come before its owner's member record: anti-entropy brings it back later.
      if (!ctx.signing.admitted(opts.signature.signer(r), now)) return 'unknownSigner';
      return signatureHolds(ctx.signing, opts.signature, r) ? undefined : 'badSignature';
    };
    this.table = new RegisterTable<R, Reason | SignatureReason>(ctx.selfId, opts.schema, config, {
      ...opts.hooks,
      verify,
    });
    this.#recomputeDelayMs = config.recomputeDelayMs;
    this.#sweepAt = ctx.now + sweepIntervalMs;
  }

  digest(): DigestView {
    return this.table.digest();
  }

  records(keys: readonly string[]): unknown[] {
    return keys.flatMap((k) => this.table.get(k) ?? []);
  }

  allRecords(): unknown[] {
    return [...this.table.all()];
  }

  handleRecord(now: Instant, from: Address, raw: unknown): void {
    this.#handle(now, from, raw, true);
  }

  handleRecords(now: Instant, from: Address, records: readonly unknown[]): void {
    const relay = records.length <= relayBatchMax;
    for (const raw of records) this.#handle(now, from, raw, relay);
  }

  #handle(now: Instant, from: Address, raw: unknown, relay: boolean): void {
    const outcome = this.merge(now, raw);
    switch (outcome.kind) {
      case 'applied':
        this.#counts.applied++;
        if (relay) this.ctx.broadcast(this.schema.key(outcome.current), outcome.current);
        this.onApplied(now, outcome.current);
        this.markDirty(now);
        return;
      case 'aboutSelf':
        this.aboutSelf(now, outcome.remote);
        return;
      case 'unchanged':
        return;
      case 'rejected': {
        const e = this.rejectedEvent(from, outcome.reason);
        if (e !== undefined) this.emit(e);
        return;
      }
    }
  }

  handleSignal(_now: Instant, _signal: NodeSignal): void {}

  handleTimeout(now: Instant): void {
    if (this.#sweepAt <= now) {
      this.#sweepAt = now + sweepIntervalMs;
      if (this.sweep(now) > 0) this.markDirty(now);
    }
    this.fireTimers(now);
    const due = (t: Instant | undefined) => t !== undefined && t <= now;
    if (due(this.#recomputeAt) || due(this.#deadline)) {
      this.#recomputeAt = undefined;
      this.#deadline = undefined;
      this.#counts.recomputes++;
      this.recompute(now);
    }
  }

  pollTimeout(): Instant | undefined {
    let t: Instant = this.#sweepAt;
    if (this.#recomputeAt !== undefined) t = Math.min(t, this.#recomputeAt);
    if (this.#deadline !== undefined) t = Math.min(t, this.#deadline);
    const own = this.nextTimer();
    return own === undefined ? t : Math.min(t, own);
  }

  pollEvent(): E | undefined {
    return this.#events.shift();
  }

  leave(_now: Instant): void {}

  /** Something the view depends on changed: recompute it after the coalescing delay. */
  markDirty(now: Instant): void {
    if (this.#recomputeAt === undefined) this.#recomputeAt = now + this.#recomputeDelayMs;
  }

  /** Builds (or patches) the converged view at `now` and emits what changed. */
  protected abstract recompute(now: Instant): void;
  /** The event reporting a peer record that was dropped, if the kind reports them. */
  protected abstract rejectedEvent(
    from: Address,
    reason: Reason | SignatureReason | 'tableFull',
  ): E | undefined;

  /** Joins a peer's record into the table (a kind may check more first, e.g. clocks). */
  protected merge(
    now: Instant,
    raw: unknown,
  ): ReturnType<RegisterTable<R, Reason | SignatureReason>['merge']> {
    return this.table.merge(raw, now);
  }

  /** A peer's record changed the table (after it was stored and relayed). */
  protected onApplied(_now: Instant, _record: R): void {}
  /** News about one of our own records that would win (single-writer kinds only). */
  protected aboutSelf(_now: Instant, _remote: R): void {}
  /** The periodic sweep: collects old tombstones; returns how many records left the table. */
  protected sweep(now: Instant): number {
    return this.table.collect(now).length;
  }
  /** The kind's own next deadline, if it keeps timers. */
  protected nextTimer(): Instant | undefined {
    return undefined;
  }
  /** Runs the kind's own timers that are due at `now`. */
  protected fireTimers(_now: Instant): void {}

  /** Recompute at `at` at the latest (a grace period or a settle period ends then). */
  protected due(at: Instant): void {
    if (this.#deadline === undefined || at < this.#deadline) this.#deadline = at;
  }

  protected emit(e: E): void {
    if (this.#events.length >= eventsMax) this.#events.shift();
    this.#events.push(e);
  }

  protected counts(): { readonly applied: number; readonly recomputes: number } {
    return { ...this.#counts };
  }

  /** A peer record the kind refuses before the table sees it (counted with the table's drops). */
  protected refuse(reason: Reason): { readonly kind: 'rejected'; readonly reason: Reason } {
    this.#refused.set(reason, (this.#refused.get(reason) ?? 0) + 1);
    return { kind: 'rejected', reason };
  }

  /** Every drop so far, by reason. */
  protected rejected(): Record<string, number> {
    const out = this.table.rejected();
    for (const [reason, n] of this.#refused) out[reason] = (out[reason] ?? 0) + n;
    return out;
  }
}
