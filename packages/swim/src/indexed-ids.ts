import type { Rng } from '@trellis/runtime';

/** A set of ids with O(1) add, remove and uniform random sampling (an array plus its index). */
export class IndexedIds {
  readonly #ids: string[] = [];
  readonly #index = new Map<string, number>();

  get size(): number {
    return this.#ids.length;
  }

  has(id: string): boolean {
    return this.#index.has(id);
  }

  add(id: string): boolean {
    if (this.#index.has(id)) return false;
    this.#index.set(id, this.#ids.length);
    this.#ids.push(id);
    return true;
  }

  remove(id: string): boolean {
    const i = this.#index.get(id);
    if (i === undefined) return false;
    const last = this.#ids.pop()!;
    if (last !== id) {
      this.#ids[i] = last;
      this.#index.set(last, i);
    }
    this.#index.delete(id);
    return true;
  }

  ids(): string[] {
    return this.#ids.slice();
  }

  /** Up to `k` distinct ids, uniformly. */
  sample(rng: Rng, k: number): string[] {
    const n = this.#ids.length;
    if (k <= 0 || n === 0) return [];
    if (k * 3 >= n) return rng.sample(this.#ids, k);
    const out = new Set<string>();
    // Rejection sampling: each draw is new with odds of 2/3 or better; bounded all the same.
    for (let tries = 0; out.size < k && tries < k * 8; tries++) out.add(this.#ids[rng.int(0, n)]!);
    return out.size < k ? rng.sample(this.#ids, k) : [...out];
  }
}
