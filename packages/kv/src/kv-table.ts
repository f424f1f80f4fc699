import { EventEmitter } from 'eventemitter3';
import { InvalidArgumentError } from '@trellis/runtime';
import type { StoreHost, StorePlugin } from '@trellis/store';
import { isTableName, parseKvConfig, type KvConfig, type KvMode } from './kv-config.js';
import type { KvChanged, KvEntry, KvEvent, KvStats } from './kv-entry.js';
import { OwnedKvStore } from './owned-kv-store.js';
import { SharedKvStore } from './shared-kv-store.js';

export interface KvTableEvents {
  /** The entries readers see changed: `{ added, removed, changed: [previous, next][] }`. */
  changed: [diff: KvChanged];
  /** A peer's record was dropped (malformed, too large, a clock too far ahead...); also counted. */
  rejected: [event: Extract<KvEvent, { type: 'kvRejected' }>];
}

/**
 * `node.kv(name)`: a replicated table of the application's own data. Values are anything
 * msgpack encodes, at most `valueBytesMax` bytes; a local write over a bound throws a
 * `LimitError`, a peer's is a counted drop.
 */
export class KvTable extends EventEmitter<KvTableEvents> {
  readonly name: string;
  readonly mode: KvMode;
  /** The sans-IO store behind this table. */
  readonly store: OwnedKvStore | SharedKvStore;
  readonly #host: StoreHost;

  constructor(name: string, store: OwnedKvStore | SharedKvStore, host: StoreHost) {
    super();
    this.name = name;
    this.mode = store.config.mode;
    this.store = store;
    this.#host = host;
  }

  /** Sets `key` (owned mode: our own entry under `key`). */
  set(key: string, value: unknown): void {
    this.#host.run((now) => this.store.set(now, key, value));
  }

  /** Deletes `key` (owned mode: our own entry); false if there was nothing to delete. */
  delete(key: string): boolean {
    return this.#host.run((now) => this.store.delete(now, key));
  }

  /**
   * The value under `key`: in a shared table, the last write's; in an owned table, `owner`'s
   * (this node's when omitted), while readers see that owner's entries.
   */
  get(key: string, owner?: string): unknown {
    if (this.store instanceof SharedKvStore) return this.store.get(key);
    return owner === undefined ? this.store.get(key) : this.store.get(key, owner);
  }

  /** Every entry readers see, sorted by owner, then key. */
  entries(): KvEntry[] {
    return this.store.entries();
  }

  stats(): KvStats {
    return this.store.stats();
  }

  /** @internal Called by the node for every store event, in order. */
  deliver(e: KvEvent): void {
    if (e.type === 'kvChanged') this.emit('changed', e);
    else this.emit('rejected', e);
  }
}

/**
 * A kv table as a node plug-in (what `node.kv(name, options)` registers): its records travel
 * under the wire tag `v:<name>`. Options are validated here.
 */
export function kvStore(name: string, options: Partial<KvConfig> = {}): StorePlugin<KvTable, KvEvent> {
  if (!isTableName(name))
    throw new InvalidArgumentError(
      `kv table name must be 1-64 letters, digits, '.', '_' or '-', got ${JSON.stringify(name)}`,
    );
  const config = parseKvConfig(options);
  const tag = `v:${name}`;
  return {
    create(ctx, host) {
      const store =
        config.mode === 'shared' ? new SharedKvStore(ctx, tag, config) : new OwnedKvStore(ctx, tag, config);
      const table = new KvTable(name, store, host);
      return { store, api: table, deliver: (e) => table.deliver(e) };
    },
  };
}
