import type { Rng } from '@trellis/runtime';
import { RankedFlags } from './ranked-flags.js';

/**
 * The ids of members believed up (alive or suspect), self excluded, with O(1) add and remove,
 * each flagged confirmed or not (`Confirmations`). Gossip ticks and push-pull rounds pick
 * confirmed members several times a second; with hundreds of members unconfirmed (a cluster of
 * 1,000 booting) that was a scan of all N per pick. The flags' ranks (`RankedFlags`) find the
 * p-th confirmed member in O(log N) instead, drawing exactly what the scan drew: the same
 * random numbers give the same members, so seeded runs are unchanged.
 */
export class LiveSet {
  readonly #ids: string[] = [];
  readonly #index = new Map<string, number>();
  readonly #confirmed = new RankedFlags();

  get size(): number {
    return this.#ids.length;
  }

  /** Live members confirmed to us. */
  get confirmedSize(): number {
    return this.#confirmed.setCount;
  }

  has(id: string): boolean {
    return this.#index.has(id);
  }

  /** `id` is up; false if it already was. */
  add(id: string, confirmed: boolean): boolean {
    if (this.#index.has(id)) return false;
    this.#index.set(id, this.#ids.length);
    this.#ids.push(id);
    this.#confirmed.push(confirmed);
    return true;
  }

  /** A live member was confirmed (no-op for one not live). */
  confirm(id: string): void {
    const i = this.#index.get(id);
    if (i !== undefined) this.#confirmed.set(i, true);
  }

  remove(id: string): boolean {
    const i = this.#index.get(id);
    if (i === undefined) return false;
    const last = this.#ids.pop()!;
    if (last !== id) {
      this.#ids[i] = last;
      this.#index.set(last, i);
      this.#confirmed.set(i, this.#confirmed.get(this.#ids.length));
    }
    this.#confirmed.pop();
    this.#index.delete(id);
    return true;
  }

  ids(): string[] {
    return this.#ids.slice();
  }

  /** One confirmed member, uniformly (undefined if none). */
  pickConfirmed(rng: Rng): string | undefined {
    const m = this.#confirmed.setCount;
    return m === 0 ? undefined : this.#nth(rng.int(0, m), true);
  }

  /** Up to `k` distinct ids, uniformly, among the confirmed (or the unconfirmed) ones. */
  sample(rng: Rng, k: number, confirmed: boolean): string[] {
    const n = this.#ids.length;
    if (k <= 0 || n === 0) return [];
    if (k * 3 >= n) return this.#sampleAll(rng, k, confirmed);
    const out = new Set<string>();
    // Rejection sampling: cheap when k is small relative to n; bounded attempts.
    for (let tries = 0; out.size < k && tries < k * 8; tries++) {
      const i = rng.int(0, n);
      if (this.#confirmed.get(i) === confirmed) out.add(this.#ids[i]!);
    }
    // Mostly the other kind (hundreds of unconfirmed members beside a few confirmed ones): draw
    // from those of the kind asked, or the few would go unpicked.
    return out.size < k ? this.#sampleAll(rng, k, confirmed) : [...out];
  }

  /** `rng.sample` over the ids of one kind in order, without listing them. */
  #sampleAll(rng: Rng, k: number, confirmed: boolean): string[] {
    const m = confirmed ? this.#confirmed.setCount : this.#ids.length - this.#confirmed.setCount;
    const swapped = new Map<number, string>();
    const at = (p: number): string => swapped.get(p) ?? this.#nth(p, confirmed);
    const count = Math.min(k, m);
    for (let i = 0; i < count; i++) {
      const j = rng.int(i, m);
      const a = at(i);
      swapped.set(i, at(j));
      swapped.set(j, a);
    }
    return Array.from({ length: count }, (_, i) => at(i));
  }

  #nth(p: number, confirmed: boolean): string {
    return this.#ids[this.#confirmed.nth(p, confirmed)]!;
  }
}
