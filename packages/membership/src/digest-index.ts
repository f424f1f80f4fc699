import { InvalidArgumentError, describe } from '@trellis/runtime';
import { Hash64, hashKey, type EntryHash } from './entry-hash.js';

/** The first round of anti-entropy, a few bytes: `[bucketCount, entryCount, laneHi, laneLo]`. */
export type DigestRoot = readonly [bucketCount: number, count: number, hi: number, lo: number];

/** The second round: `[count, hi, lo]` for each bucket, flattened (3 x bucketCount numbers). */
export type BucketAggregates = readonly number[];

/** The third round: one `[key, hi, lo]` per entry of the requested buckets. */
export type DigestEntry = readonly [key: string, hi: number, lo: number];

/** What anti-entropy needs from an index; `MemberTable.digest()` hands this out. */
export interface DigestView {
  readonly bucketCount: number;
  readonly size: number;
  root(): DigestRoot;
  buckets(): BucketAggregates;
  /** Entries of the given buckets, sorted by key. Out-of-range bucket numbers are ignored. */
  entries(buckets: readonly number[]): DigestEntry[];
  bucketOf(key: string): number;
  versionOf(key: string): EntryHash | undefined;
}

interface Slot {
  readonly bucket: number;
  // The version as two numbers, not an array: one object less per entry and replica.
  readonly versionHi: number;
  readonly versionLo: number;
  // What the entry adds to its bucket's lanes: a hash of (key, version), so that two replicas
  // that hold the same versions under swapped keys still disagree.
  readonly hi: number;
  readonly lo: number;
}

/**
 * A digest of a key -> version-hash map for anti-entropy, generic so the route store can reuse
 * it. Keys are spread over `bucketCount` buckets by a hash of the key; each bucket keeps
 * `[count, sum of hi, sum of lo]` mod 2^32 over its entries' contributions, updated in O(1) per
 * change. Sums are order-independent, so replicas that hold the same entries agree bit for bit
 * however they got there, and removal is a subtraction. The root is the same sums over all
 * entries, so equal replicas finish anti-entropy after one comparison whatever their size.
 */
export class DigestIndex implements DigestView {
  readonly bucketCount: number;
  readonly #mask: number;
  readonly #lanes: Uint32Array; // [count, hi, lo] per bucket; Uint32Array wraps mod 2^32
  readonly #keys: Set<string>[];
  readonly #slots = new Map<string, Slot>();
  #rootHi = 0;
  #rootLo = 0;

  constructor(bucketCount: number) {
    if (!Number.isInteger(bucketCount) || bucketCount < 1 || (bucketCount & (bucketCount - 1)) !== 0) {
      throw new InvalidArgumentError(`bucketCount must be a power of two, got ${describe(bucketCount)}`);
    }
    if (bucketCount > 1 << 24) throw new InvalidArgumentError(`bucketCount ${bucketCount} is too large`);
    this.bucketCount = bucketCount;
    this.#mask = bucketCount - 1;
    this.#lanes = new Uint32Array(bucketCount * 3);
    this.#keys = Array.from({ length: bucketCount }, () => new Set<string>());
  }

  get size(): number {
    return this.#slots.size;
  }

  bucketOf(key: string): number {
    return hashKey(key) & this.#mask;
  }

  versionOf(key: string): EntryHash | undefined {
    const slot = this.#slots.get(key);
    return slot === undefined ? undefined : [slot.versionHi, slot.versionLo];
  }

  /** Inserts or replaces the version of `key`. */
  set(key: string, version: EntryHash): void {
    const old = this.#slots.get(key);
    if (old !== undefined && old.versionHi === version[0] && old.versionLo === version[1]) return;
    if (old !== undefined) this.#remove(key, old);
    const bucket = old?.bucket ?? this.bucketOf(key);
    const [hi, lo] = new Hash64(0x64696765).string(key).word(version[0]).word(version[1]).digest();
    const slot: Slot = { bucket, versionHi: version[0], versionLo: version[1], hi, lo };
    this.#slots.set(key, slot);
    this.#keys[bucket]!.add(key);
    this.#add(bucket, 1, hi, lo);
  }

  /** Removes `key`; returns whether it was present. */
  delete(key: string): boolean {
    const old = this.#slots.get(key);
    if (old === undefined) return false;
    this.#remove(key, old);
    return true;
  }

  root(): DigestRoot {
    return [this.bucketCount, this.#slots.size, this.#rootHi >>> 0, this.#rootLo >>> 0];
  }

  buckets(): BucketAggregates {
    return Array.from(this.#lanes);
  }

  entries(buckets: readonly number[]): DigestEntry[] {
    const out: DigestEntry[] = [];
    for (const b of new Set(buckets)) {
      const keys = Number.isInteger(b) ? this.#keys[b] : undefined;
      if (keys === undefined) continue;
      for (const key of keys) {
        const slot = this.#slots.get(key)!;
        out.push([key, slot.versionHi, slot.versionLo]);
      }
    }
    return out.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  }

  #remove(key: string, slot: Slot): void {
    this.#slots.delete(key);
    this.#keys[slot.bucket]!.delete(key);
    this.#add(slot.bucket, -1, -slot.hi, -slot.lo);
  }

  #add(bucket: number, count: number, hi: number, lo: number): void {
    const i = bucket * 3;
    this.#lanes[i] = this.#lanes[i]! + count;
    this.#lanes[i + 1] = this.#lanes[i + 1]! + hi;
    this.#lanes[i + 2] = this.#lanes[i + 2]! + lo;
    this.#rootHi = (this.#rootHi + hi) | 0;
    this.#rootLo = (this.#rootLo + lo) | 0;
  }
}
