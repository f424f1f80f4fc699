import { LimitError, type Address, type Instant } from '@trellis/runtime';
import { ConvergedView, OwnerRegisterStore, type NodeSignal, type StoreContext } from '@trellis/store';
import { byOwnerThenKey, checkKey, toKvEntry, type KvEntry, type KvEvent, type KvStats } from './kv-entry.js';
import type { KvConfig } from './kv-config.js';
import {
  kvStates,
  ownedKey,
  ownedFields,
  ownedSchema,
  valueAdmission,
  type KvRejectReason,
  type OwnedKvWire,
} from './kv-record.js';
import { encodeValue } from './kv-value.js';

/**
 * An owned table (Docker NetworkDB's model): each node writes only its own keys, readers see
 * every live owner's entries, a dead owner's until the grace period ends, a departed owner's
 * never. The view is patched, never rebuilt: key by key as records change, owner by owner as
 * members change or a grace period ends (a table of 10,000 keys on 200 nodes would otherwise
 * be rebuilt on every node after every change during a boot).
 */
export class OwnedKvStore extends OwnerRegisterStore<OwnedKvWire, KvRejectReason, KvEvent> {
  readonly config: KvConfig;
  readonly #view = new ConvergedView<KvEntry>();
  readonly #entries = new WeakMap<OwnedKvWire, KvEntry>();
  /** Table keys whose entry may have changed since the last recompute. */
  readonly #dirty = new Set<string>();
  /** Owners whose entries may all have changed (their status did). */
  readonly #dirtyOwners = new Set<string>();
  /** Table keys by owner, so an owner's entries are found without a scan. */
  readonly #byOwner = new Map<string, Set<string>>();
  /** Dead owners still in the view, and when their grace period ends. */
  readonly #graceEnds = new Map<string, Instant>();

  constructor(ctx: StoreContext, tag: string, config: KvConfig) {
    const schema = ownedSchema({
      tag,
      keyLengthMax: config.keyLengthMax,
      valueBytesMax: config.valueBytesMax,
    });
    super({
      ctx,
      tag,
      schema,
      config,
      fields: ownedFields,
      admit: valueAdmission,
      index: {
        stored: (r) => {
          const k = schema.key(r);
          this.#dirty.add(k);
          let keys = this.#byOwner.get(r.w);
          if (keys === undefined) this.#byOwner.set(r.w, (keys = new Set()));
          keys.add(k);
        },
        removed: (r) => {
          const k = schema.key(r);
          this.#dirty.add(k);
          this.#byOwner.get(r.w)?.delete(k);
        },
      },
    });
    this.config = config;
  }

  set(now: Instant, key: string, value: unknown): void {
    checkKey(key, this.config.keyLengthMax);
    const d = encodeValue(value, this.config.valueBytesMax);
    const k = ownedKey(this.ctx.selfId, key);
    if (this.ownRecord(k) === undefined) {
      if (this.ownCount >= this.config.ownKeysMax)
        throw new LimitError(
          'ownKeysMax',
          `this node already writes ${this.config.ownKeysMax} keys (ownKeysMax)`,
        );
      if (this.table.get(k) === undefined && this.table.size >= this.config.recordsMax)
        throw new LimitError('recordsMax', `the table holds ${this.config.recordsMax} records (recordsMax)`);
    }
    this.publishOwn(now, { t: this.tag, w: this.ctx.selfId, k: key, g: 0, v: 0, st: kvStates.set, d });
  }

  delete(now: Instant, key: string): boolean {
    checkKey(key, this.config.keyLengthMax);
    return this.withdrawOwn(now, ownedKey(this.ctx.selfId, key)) !== undefined;
  }

  /** `owner`'s value under `key` (ours by default), if readers see it. */
  get(key: string, owner = this.ctx.selfId): unknown {
    const k = ownedKey(owner, key);
    if (owner === this.ctx.selfId) {
      const r = this.ownRecord(k);
      return r === undefined ? undefined : this.#entry(r).value;
    }
    return this.#view.get(k)?.value;
  }

  entries(): KvEntry[] {
    return [...this.#view.values()].sort(byOwnerThenKey);
  }

  stats(): KvStats {
    const b = this.baseStats();
    return { ...b, visible: this.#view.size, local: this.ownCount };
  }

  override handleSignal(now: Instant, signal: NodeSignal): void {
    if (signal.type === 'memberChanged') this.#dirtyOwners.add(signal.id);
    super.handleSignal(now, signal);
  }

  protected override tombstoneOf(r: OwnedKvWire): OwnedKvWire {
    return { ...r, st: kvStates.deleted, d: new Uint8Array() };
  }

  protected override rejectedEvent(from: Address, reason: string): KvEvent {
    return { type: 'kvRejected', from, reason };
  }

  protected override recompute(now: Instant): void {
    for (const [owner, end] of this.#graceEnds) {
      if (end > now) continue;
      this.#graceEnds.delete(owner);
      this.#dirtyOwners.add(owner);
    }
    const keys = new Set(this.#dirty);
    this.#dirty.clear();
    for (const owner of this.#dirtyOwners) for (const k of this.#byOwner.get(owner) ?? []) keys.add(k);
    this.#dirtyOwners.clear();
    const diff = this.#view.patch(
      [...keys].map((k) => [k, this.#visibleEntry(this.table.get(k), now)] as const),
    );
    if (diff !== undefined) this.emit({ type: 'kvChanged', ...diff });
    // Only changed keys were looked at, so their visible() calls armed only their owners' grace
    // ends: arm every dead owner's again, or an end armed before this recompute is lost.
    for (const end of this.#graceEnds.values()) this.due(end);
  }

  #visibleEntry(r: OwnedKvWire | undefined, now: Instant): KvEntry | undefined {
    if (r === undefined || r.st !== kvStates.set) return undefined;
    if (r.w === this.ctx.selfId) return this.ownRecord(this.schema.key(r)) === r ? this.#entry(r) : undefined;
    if (!this.visible(r.w, now)) return undefined;
    const m = this.ctx.liveness.member(r.w);
    // A dead owner's entries leave when its grace ends: look at them again then.
    if (m?.status === 'dead')
      this.#graceEnds.set(r.w, (this.ctx.liveness.since(r.w) ?? now) + this.config.graceMs);
    return this.#entry(r);
  }

  #entry(r: OwnedKvWire): KvEntry {
    let e = this.#entries.get(r);
    if (e === undefined) this.#entries.set(r, (e = toKvEntry(r)));
    return e;
  }
}
