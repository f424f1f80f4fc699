import type { Rng } from '@trellis/runtime';

/**
 * The ids of members believed up (alive or suspect), self excluded, with O(1) add, remove and
 * random sampling: gossip ticks pick targets from it several times a second, which must not
 * cost O(N) at 5,000 members.
 */
export class LiveSet {
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

  /** Up to `k` distinct ids, uniformly, skipping those `exclude` rejects. */
  sample(rng: Rng, k: number, exclude?: (id: string) => boolean): string[] {
    const n = this.#ids.length;
    if (k <= 0 || n === 0) return [];
    const filtered = (): string[] =>
      rng.sample(
        this.#ids.filter((id) => !exclude?.(id)),
        k,
      );
    if (k * 3 >= n) return filtered();
    const out = new Set<string>();
    // Rejection sampling: cheap when k is small relative to n; bounded attempts.
    for (let tries = 0; out.size < k && tries < k * 8; tries++) {
      const id = this.#ids[rng.int(0, n)]!;
      if (!exclude?.(id)) out.add(id);
    }
    // Mostly excluded (hundreds of unconfirmed members beside a few real ones): scan instead,
    // or the few real ones would go unpicked.
    return out.size < k ? filtered() : [...out];
  }
}
