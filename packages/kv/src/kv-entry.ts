import { InvalidArgumentError } from '@trellis/runtime';
import type { ViewDiff } from '@trellis/store';
import { recordValue } from './kv-record.js';

/** One entry of a table as readers see it. Treat `value` as read-only: replicas share it. */
export interface KvEntry {
  readonly key: string;
  readonly value: unknown;
  /** The node that wrote it (owned mode: its owner; shared mode: the last writer). */
  readonly owner: string;
}

/** The table's view changed: `changed` pairs are `[previous, next]`. */
export interface KvChanged extends ViewDiff<KvEntry> {
  readonly type: 'kvChanged';
}

export type KvEvent =
  KvChanged | { readonly type: 'kvRejected'; readonly from: string; readonly reason: string };

export interface KvStats {
  /** Records in the replicated table, tombstones included. */
  readonly records: number;
  /** Entries readers see. */
  readonly visible: number;
  /** Entries this node wrote (owned mode). */
  readonly local: number;
  readonly applied: number;
  readonly recomputes: number;
  readonly reaped: number;
  readonly rejected: Readonly<Record<string, number>>;
}

export function byOwnerThenKey(a: KvEntry, b: KvEntry): number {
  if (a.owner !== b.owner) return a.owner < b.owner ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** The entry of a record (decoded once: records are immutable, so callers cache it). */
export function toKvEntry(r: { readonly k: string; readonly w: string; readonly d: Uint8Array }): KvEntry {
  return Object.freeze({ key: r.k, value: recordValue(r), owner: r.w });
}

/** Throws unless `key` is a string of 1 to `max` characters. */
export function checkKey(key: unknown, max: number): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > max)
    throw new InvalidArgumentError(`key must be a string of 1 to ${max} characters`);
}
