import { LimitError, type Address, type Instant } from '@trellis/runtime';
import { ConvergedView, OwnerRegisterStore, type NodeSignal, type StoreContext } from '@trellis/store';
import { byOwnerThenKey, checkKey, toKvEntry, type KvEntry, type KvEvent, type KvStats } from './kv-entry.js';
import type { KvConfig } from './kv-config.js';
import { kvStates, ownedKey, ownedSchema, type KvRejectReason, type OwnedKvWire } from './kv-record.js';
import { encodeValue } from './kv-value.js';

/**
 * An owned table (Docker NetworkDB's model): each node writes only its own keys, readers see
 * every live owner's entries, a dead owner's until the grace period ends, a departed owner's
 * never. The view is patched key by key as records change (a table of 10,000 keys is not
 * rebuilt on every write); membership changes and the end of a grace period rebuild it.
 */
export class OwnedKvStore extends OwnerRegisterStore<OwnedKvWire, KvRejectReason, KvEvent> {
  readonly config: KvConfig;
  readonly #view = new ConvergedView<KvEntry>();
  readonly #entries = new WeakMap<OwnedKvWire, KvEntry>();
  readonly #dirty = new Set<string>();
  #rebuild = false;
  /** The earliest end of a grace period the view depends on: a rebuild is due then. */
  #rebuildAt: Instant | undefined;

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
      index: {
        stored: (r) => this.#dirty.add(schema.key(r)),
        removed: (r) => this.#dirty.add(schema.key(r)),
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
    if (signal.type === 'memberChanged') this.#rebuild = true;
    super.handleSignal(now, signal);
  }

  protected override tombstoneOf(r: OwnedKvWire): OwnedKvWire {
    return { ...r, st: kvStates.deleted, d: new Uint8Array() };
  }

  protected override rejectedEvent(from: Address, reason: string): KvEvent {
    return { type: 'kvRejected', from, reason };
  }

  protected override due(at: Instant): void {
    super.due(at);
    if (this.#rebuildAt === undefined || at < this.#rebuildAt) this.#rebuildAt = at;
  }

  protected override recompute(now: Instant): void {
    const full = this.#rebuild || (this.#rebuildAt !== undefined && this.#rebuildAt <= now);
    let diff;
    if (full) {
      this.#rebuild = false;
      this.#rebuildAt = undefined;
      this.#dirty.clear();
      const next = new Map<string, KvEntry>();
      for (const r of this.table.all()) {
        const e = this.#visibleEntry(r, now);
        if (e !== undefined) next.set(this.schema.key(r), e);
      }
      diff = this.#view.replace(next);
    } else {
      const keys = [...this.#dirty];
      this.#dirty.clear();
      diff = this.#view.patch(keys.map((k) => [k, this.#visibleEntry(this.table.get(k), now)] as const));
    }
    if (diff !== undefined) this.emit({ type: 'kvChanged', ...diff });
  }

  #visibleEntry(r: OwnedKvWire | undefined, now: Instant): KvEntry | undefined {
    if (r === undefined || r.st !== kvStates.set) return undefined;
    const shown = r.w === this.ctx.selfId ? this.ownRecord(this.schema.key(r)) === r : this.visible(r.w, now);
    return shown ? this.#entry(r) : undefined;
  }

  #entry(r: OwnedKvWire): KvEntry {
    let e = this.#entries.get(r);
    if (e === undefined) this.#entries.set(r, (e = toKvEntry(r)));
    return e;
  }
}
