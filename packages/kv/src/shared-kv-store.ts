import { LimitError, type Address, type Instant } from '@trellis/runtime';
import { ConvergedView, signRecord, TableStore, type StoreContext } from '@trellis/store';
import { HybridClock } from './hlc.js';
import { byOwnerThenKey, checkKey, toKvEntry, type KvEntry, type KvEvent, type KvStats } from './kv-entry.js';
import type { KvConfig } from './kv-config.js';
import {
  kvStates,
  sharedFields,
  sharedSchema,
  valueAdmission,
  type KvRejectReason,
  type SharedKvWire,
} from './kv-record.js';
import { encodeValue } from './kv-value.js';

/**
 * A shared table: one value per key, written by anyone; the write with the greatest hybrid
 * logical clock wins (then the greater writer id), on every replica alike. A deletion is a
 * tombstone with the same clock, kept `tombstoneTtlMs`: a replica that was away longer than
 * that can bring a deleted value back, as with any tombstone-based store. Entries do not depend
 * on their writer being alive. A writer's clock more than `clockSkewMaxMs` ahead of ours is
 * refused: it would win every write for that long.
 */
export class SharedKvStore extends TableStore<SharedKvWire, KvRejectReason, KvEvent> {
  readonly config: KvConfig;
  readonly #clock = new HybridClock();
  readonly #view = new ConvergedView<KvEntry>();
  readonly #entries = new WeakMap<SharedKvWire, KvEntry>();
  readonly #dirty = new Set<string>();

  constructor(ctx: StoreContext, tag: string, config: KvConfig) {
    const schema = sharedSchema({
      tag,
      keyLengthMax: config.keyLengthMax,
      valueBytesMax: config.valueBytesMax,
    });
    super({
      ctx,
      tag,
      schema,
      config,
      signature: { fields: sharedFields, signer: (r) => r.w },
      hooks: {
        admit: valueAdmission,
        stored: (r) => this.#dirty.add(r.k),
        removed: (r) => this.#dirty.add(r.k),
      },
    });
    this.config = config;
  }

  set(now: Instant, key: string, value: unknown): void {
    checkKey(key, this.config.keyLengthMax);
    const d = encodeValue(value, this.config.valueBytesMax);
    if (this.table.get(key) === undefined && this.table.size >= this.config.recordsMax)
      throw new LimitError('recordsMax', `the table holds ${this.config.recordsMax} records (recordsMax)`);
    this.#write(now, key, kvStates.set, d);
  }

  delete(now: Instant, key: string): boolean {
    checkKey(key, this.config.keyLengthMax);
    const current = this.table.get(key);
    if (current === undefined || current.st === kvStates.deleted) return false;
    this.#write(now, key, kvStates.deleted, new Uint8Array());
    return true;
  }

  get(key: string): unknown {
    return this.#view.get(key)?.value;
  }

  entries(): KvEntry[] {
    return [...this.#view.values()].sort(byOwnerThenKey);
  }

  stats(): KvStats {
    const rejected = this.rejected();
    return {
      records: this.table.size,
      visible: this.#view.size,
      local: 0,
      ...this.counts(),
      reaped: 0,
      rejected,
    };
  }

  protected override merge(
    now: Instant,
    raw: unknown,
  ): ReturnType<TableStore<SharedKvWire, KvRejectReason, KvEvent>['merge']> {
    const v = this.schema.validate(raw);
    if (v.ok && v.record.l > now + this.config.clockSkewMaxMs) return this.refuse('clockSkew');
    const outcome = super.merge(now, raw);
    // Only a stamp we took moves the clock: a refused record (unsigned, or not its writer's)
    // would otherwise set our later writes up to clockSkewMaxMs ahead of everyone else's.
    if (outcome.kind === 'applied') this.#clock.observe(outcome.current.l, outcome.current.c);
    return outcome;
  }

  protected override rejectedEvent(from: Address, reason: string): KvEvent {
    return { type: 'kvRejected', from, reason };
  }

  protected override recompute(_now: Instant): void {
    const keys = [...this.#dirty];
    this.#dirty.clear();
    const diff = this.#view.patch(keys.map((k) => [k, this.#visibleEntry(this.table.get(k))] as const));
    if (diff !== undefined) this.emit({ type: 'kvChanged', ...diff });
  }

  #write(now: Instant, key: string, st: 0 | 1, d: Uint8Array): void {
    const { l, c } = this.#clock.tick(now);
    const record = signRecord<SharedKvWire>(
      this.ctx.signing,
      this.signature,
      Object.freeze({ t: this.tag, k: key, l, c, w: this.ctx.selfId, st, d }),
    );
    this.table.setOwn(record, now);
    this.ctx.broadcast(key, record);
    this.markDirty(now);
  }

  #visibleEntry(r: SharedKvWire | undefined): KvEntry | undefined {
    if (r === undefined || r.st !== kvStates.set) return undefined;
    let e = this.#entries.get(r);
    if (e === undefined) this.#entries.set(r, (e = toKvEntry(r)));
    return e;
  }
}
