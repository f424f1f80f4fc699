/**
 * A 64-bit hash as two unsigned 32-bit lanes. Two numbers rather than a bigint keep it cheap
 * and msgpack-friendly (bigints need an extension type).
 */
export type EntryHash = readonly [hi: number, lo: number];

const c1 = 0xcc9e2d51;
const c2 = 0x1b873593;
const c3 = 0x38b34ae5;
const c4 = 0xa1e38b93;

/**
 * A streaming two-lane hash: each lane runs MurmurHash3's x86 block step with its own
 * constants, and the lanes are cross-mixed and passed through the murmur3 finaliser at the end,
 * as murmur3_x86_128 does. Inputs are fed as typed, length-prefixed fields so that distinct
 * field sequences never produce the same word stream ("ab","c" vs "a","bc").
 *
 * Not cryptographic: it detects accidental divergence. Deliberate collisions need a peer that
 * can already inject arbitrary records, which the cluster keyring is there to prevent.
 */
export class Hash64 {
  #a: number;
  #b: number;
  #words = 0;

  constructor(seed = 0) {
    this.#a = (seed ^ 0x9747b28c) | 0;
    this.#b = (seed ^ 0x5bd1e995) | 0;
  }

  /** Feeds one 32-bit word. */
  word(w: number): this {
    let k = Math.imul(w | 0, c1);
    k = rotl(k, 15);
    k = Math.imul(k, c2);
    this.#a ^= k;
    this.#a = (Math.imul(rotl(this.#a, 13), 5) + 0xe6546b64) | 0;
    let j = Math.imul(w | 0, c3);
    j = rotl(j, 17);
    j = Math.imul(j, c4);
    this.#b ^= j;
    this.#b = (Math.imul(rotl(this.#b, 15), 5) + 0x38495ab5) | 0;
    this.#words++;
    return this;
  }

  /** Feeds a non-negative safe integer as two words (high then low 32 bits). */
  uint(n: number): this {
    return this.word(Math.floor(n / 0x1_0000_0000)).word(n >>> 0);
  }

  /** Feeds a string: its length, then its UTF-16 code units two per word. */
  string(s: string): this {
    this.word(s.length);
    let i = 0;
    for (; i + 1 < s.length; i += 2) this.word(s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16));
    if (i < s.length) this.word(s.charCodeAt(i));
    return this;
  }

  /** Feeds bytes: their length, then four bytes per word (little-endian, zero-padded). */
  bytes(b: Uint8Array): this {
    this.word(b.length);
    let i = 0;
    for (; i + 3 < b.length; i += 4) {
      this.word(b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24));
    }
    if (i < b.length) {
      let w = 0;
      for (let s = 0; i < b.length; i++, s += 8) w |= b[i]! << s;
      this.word(w);
    }
    return this;
  }

  digest(): EntryHash {
    let a = this.#a ^ this.#words;
    let b = this.#b ^ this.#words;
    a = (a + b) | 0;
    b = (b + a) | 0;
    a = fmix32(a);
    b = fmix32(b);
    a = (a + b) | 0;
    b = (b + a) | 0;
    return [a >>> 0, b >>> 0];
  }
}

/** A 32-bit hash of a key, for choosing its digest bucket. */
export function hashKey(key: string): number {
  return new Hash64(0x6b6579).string(key).digest()[1];
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** MurmurHash3's 32-bit finaliser: full avalanche, so sums of outputs look independent. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) | 0;
}
