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

/** Columns per slot in `#words`: bucket, hi, lo, next and previous slot in the bucket. */
const W = 5;
const none = 0xffff_ffff;

/**
 * A digest of a key -> version-hash map for anti-entropy, generic so the route store can reuse
 * it. Keys are spread over `bucketCount` buckets by a hash of the key; each bucket keeps
 * `[count, sum of hi, sum of lo]` mod 2^32 over its entries' contributions, updated in O(1) per
 * change. Sums are order-independent, so replicas that hold the same entries agree bit for bit
 * however they got there, and removal is a subtraction. The root is the same sums over all
 * entries, so equal replicas finish anti-entropy after one comparison whatever their size.
 *
 * Every replica holds one entry per member and record, so entries live in typed-array columns
 * indexed by a slot number (a bucket's entries are a linked list through them), not in an
 * object and a per-bucket Set each: about 115 B an entry instead of 210.
 */
export class DigestIndex implements DigestView {
  readonly bucketCount: number;
  readonly #mask: number;
  readonly #lanes: Uint32Array; // [count, hi, lo] per bucket; Uint32Array wraps mod 2^32
  readonly #heads: Uint32Array; // first slot of each bucket, or `none`
  readonly #slotOf = new Map<string, number>();
  #keys: (string | undefined)[] = [];
  #words = new Uint32Array(0);
  #versions = new Float64Array(0); // [hi, lo] per slot: as given, so versionOf returns them exactly
  readonly #free: number[] = [];
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
    this.#heads = new Uint32Array(bucketCount).fill(none);
  }

  get size(): number {
    return this.#slotOf.size;
  }

  bucketOf(key: string): number {
    return hashKey(key) & this.#mask;
  }

  versionOf(key: string): EntryHash | undefined {
    const s = this.#slotOf.get(key);
    return s === undefined ? undefined : [this.#versions[2 * s]!, this.#versions[2 * s + 1]!];
  }

  /** Inserts or replaces the version of `key`. */
  set(key: string, version: EntryHash): void {
    const [vHi, vLo] = version;
    let s = this.#slotOf.get(key);
    if (s !== undefined && this.#versions[2 * s] === vHi && this.#versions[2 * s + 1] === vLo) return;
    if (s === undefined) s = this.#insert(key);
    else this.#contribute(s, -1);
    const [hi, lo] = new Hash64(0x64696765).string(key).word(vHi).word(vLo).digest();
    this.#versions[2 * s] = vHi;
    this.#versions[2 * s + 1] = vLo;
    this.#words[W * s + 1] = hi;
    this.#words[W * s + 2] = lo;
    this.#contribute(s, 1);
  }

  /** Removes `key`; returns whether it was present. */
  delete(key: string): boolean {
    const s = this.#slotOf.get(key);
    if (s === undefined) return false;
    this.#contribute(s, -1);
    this.#unlink(s);
    this.#slotOf.delete(key);
    this.#keys[s] = undefined;
    this.#free.push(s);
    return true;
  }

  root(): DigestRoot {
    return [this.bucketCount, this.#slotOf.size, this.#rootHi >>> 0, this.#rootLo >>> 0];
  }

  buckets(): BucketAggregates {
    return Array.from(this.#lanes);
  }

  entries(buckets: readonly number[]): DigestEntry[] {
    const out: DigestEntry[] = [];
    for (const b of new Set(buckets)) {
      if (!Number.isInteger(b) || b < 0 || b >= this.bucketCount) continue;
      for (let s = this.#heads[b]!; s !== none; s = this.#words[W * s + 3]!)
        out.push([this.#keys[s]!, this.#versions[2 * s]!, this.#versions[2 * s + 1]!]);
    }
    return out.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
  }

  /** A slot for a new key, linked at the head of its bucket. */
  #insert(key: string): number {
    const s = this.#free.pop() ?? this.#grow();
    const bucket = this.bucketOf(key);
    this.#slotOf.set(key, s);
    this.#keys[s] = key;
    const w = this.#words;
    const head = this.#heads[bucket]!;
    w[W * s] = bucket;
    w[W * s + 3] = head;
    w[W * s + 4] = none;
    if (head !== none) w[W * head + 4] = s;
    this.#heads[bucket] = s;
    return s;
  }

  #unlink(s: number): void {
    const w = this.#words;
    const [next, prev] = [w[W * s + 3]!, w[W * s + 4]!];
    if (prev === none) this.#heads[w[W * s]!] = next;
    else w[W * prev + 3] = next;
    if (next !== none) w[W * next + 4] = prev;
  }

  /** A fresh slot number, doubling the columns when they are full. */
  #grow(): number {
    const s = this.#keys.length;
    if (W * (s + 1) > this.#words.length) {
      const cap = Math.max(8, 2 * s);
      const words = new Uint32Array(W * cap);
      words.set(this.#words);
      this.#words = words;
      const versions = new Float64Array(2 * cap);
      versions.set(this.#versions);
      this.#versions = versions;
    }
    this.#keys.push(undefined);
    return s;
  }

  /** Adds (sign 1) or takes away (-1) slot `s`'s contribution to its bucket and the root. */
  #contribute(s: number, sign: 1 | -1): void {
    const w = this.#words;
    const i = w[W * s]! * 3;
    const hi = sign * w[W * s + 1]!;
    const lo = sign * w[W * s + 2]!;
    this.#lanes[i] = this.#lanes[i]! + sign;
    this.#lanes[i + 1] = this.#lanes[i + 1]! + hi;
    this.#lanes[i + 2] = this.#lanes[i + 2]! + lo;
    this.#rootHi = (this.#rootHi + hi) | 0;
    this.#rootLo = (this.#rootLo + lo) | 0;
  }
}
