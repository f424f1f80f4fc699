import { assert } from './assert.js';

/**
 * Seeded pseudo-random numbers: xoshiro128** 1.1 (Blackman & Vigna, 2018), a small, fast,
 * well-studied generator with a 2^128 - 1 period. State is expanded from one 32-bit seed with
 * splitmix32, so every run of a core, a simulation or a test is fixed by a single number.
 *
 * `fork(label)` derives an independent stream from this stream's *origin* (not from how many
 * numbers were drawn), so adding a draw in one component never shifts another component's
 * randomness: a recorded seed keeps replaying the same run as code evolves elsewhere.
 */
export class Rng {
  readonly #origin: readonly [number, number, number, number];
  #s0: number;
  #s1: number;
  #s2: number;
  #s3: number;

  private constructor(origin: readonly [number, number, number, number]) {
    this.#origin = origin;
    [this.#s0, this.#s1, this.#s2, this.#s3] = origin;
    // xoshiro's all-zero state is a fixed point; splitmix32 cannot produce four zeros from
    // distinct counters, but a caller of fromState could.
    assert((this.#s0 | this.#s1 | this.#s2 | this.#s3) !== 0, 'xoshiro128** state must not be all zero');
  }

  /** A generator fully determined by one 32-bit integer seed. */
  static fromSeed(seed: number): Rng {
    assert(Number.isInteger(seed), `seed must be an integer, got ${seed}`);
    const sm = splitmix32(seed >>> 0);
    return new Rng([sm(), sm(), sm(), sm()]);
  }

  /** A generator with an explicit 128-bit state (for golden tests against the reference). */
  static fromState(s0: number, s1: number, s2: number, s3: number): Rng {
    return new Rng([s0 >>> 0, s1 >>> 0, s2 >>> 0, s3 >>> 0]);
  }

  /**
   * An independent stream named by `label`. The same origin and label always give the same
   * stream; different labels give unrelated streams.
   */
  fork(label: string): Rng {
    const h = fnv1a32(label);
    const [a, b, c, d] = this.#origin;
    const sm = splitmix32((fmix32(a ^ h) ^ fmix32(b + 0x632be5ab) ^ fmix32(c ^ 0x9e3779b9) ^ d) >>> 0);
    const t = [sm() ^ a, sm() ^ b, sm() ^ c, sm() ^ d].map((x) => fmix32(x ^ h) >>> 0);
    return Rng.fromState(t[0]!, t[1]!, t[2]!, t[3]! || 1);
  }

  /** The next 32 random bits as an unsigned integer. */
  nextU32(): number {
    const s0 = this.#s0;
    const s1 = this.#s1;
    const s2 = this.#s2;
    const s3 = this.#s3;
    const result = Math.imul(rotl(Math.imul(s1, 5), 7), 9) >>> 0;
    const t = s1 << 9;
    let n2 = s2 ^ s0;
    let n3 = s3 ^ s1;
    const n1 = s1 ^ n2;
    const n0 = s0 ^ n3;
    n2 ^= t;
    n3 = rotl(n3, 11);
    this.#s0 = n0 >>> 0;
    this.#s1 = n1 >>> 0;
    this.#s2 = n2 >>> 0;
    this.#s3 = n3 >>> 0;
    return result;
  }

  /** A float uniformly distributed in [0, 1), with 53 bits of precision. */
  float(): number {
    const hi = this.nextU32() >>> 5; // 27 bits
    const lo = this.nextU32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** An integer uniformly distributed in [min, max). Unbiased (rejection sampling). */
  int(min: number, max: number): number {
    assert(Number.isInteger(min) && Number.isInteger(max), 'int() bounds must be integers');
    assert(max > min, `int() needs max > min, got [${min}, ${max})`);
    const span = max - min;
    if (span <= 0x1_0000_0000) {
      // Largest multiple of span that fits in 2^32; draws at or above it are rejected.
      const limit = 0x1_0000_0000 - (0x1_0000_0000 % span);
      for (;;) {
        const x = this.nextU32();
        if (x < limit) return min + (x % span);
      }
    }
    return min + Math.floor(this.float() * span);
  }

  /** True with probability `p`. */
  chance(p: number): boolean {
    return p > 0 && (p >= 1 || this.float() < p);
  }

  /** A uniformly chosen element. The array must not be empty. */
  pick<T>(items: readonly T[]): T {
    assert(items.length > 0, 'pick() from an empty array');
    return items[this.int(0, items.length)]!;
  }

  /** Shuffles `items` in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(0, i + 1);
      const tmp = items[i]!;
      items[i] = items[j]!;
      items[j] = tmp;
    }
    return items;
  }

  /** Up to `k` distinct elements in random order (partial Fisher-Yates on a copy). */
  sample<T>(items: readonly T[], k: number): T[] {
    const copy = items.slice();
    const n = Math.min(k, copy.length);
    for (let i = 0; i < n; i++) {
      const j = this.int(i, copy.length);
      const tmp = copy[i]!;
      copy[i] = copy[j]!;
      copy[j] = tmp;
    }
    copy.length = n;
    return copy;
  }

  /** An exponentially distributed sample with the given mean. */
  exponential(mean: number): number {
    return -mean * Math.log(1 - this.float());
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** splitmix32: a counter passed through a strong 32-bit finaliser; used only for seeding. */
function splitmix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
    z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
    return (z ^ (z >>> 15)) >>> 0;
  };
}

/** MurmurHash3's 32-bit finaliser. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** FNV-1a over the UTF-16 code units of a label. */
function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
