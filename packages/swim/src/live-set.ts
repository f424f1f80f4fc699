import type { Rng } from '@trellis/runtime';
import { IndexedIds } from './indexed-ids.js';

/**
 * The ids of members believed up (alive or suspect), self excluded, split into those confirmed
 * (`Confirmations`) and those not yet, each with O(1) add, remove and random sampling: gossip
 * ticks pick confirmed targets several times a second, which must cost O(k), not a scan of the
 * N members, also while hundreds of them are unconfirmed (a booting cluster of 1,000).
 */
export class LiveSet {
  readonly #confirmed = new IndexedIds();
  readonly #unconfirmed = new IndexedIds();

  get size(): number {
    return this.#confirmed.size + this.#unconfirmed.size;
  }

  /** Live members confirmed to us. */
  get confirmedSize(): number {
    return this.#confirmed.size;
  }

  has(id: string): boolean {
    return this.#confirmed.has(id) || this.#unconfirmed.has(id);
  }

  /** `id` is up; false if it already was. */
  add(id: string, confirmed: boolean): boolean {
    if (this.has(id)) return false;
    (confirmed ? this.#confirmed : this.#unconfirmed).add(id);
    return true;
  }

  /** A live unconfirmed member was confirmed (no-op for one not live, or confirmed already). */
  confirm(id: string): void {
    if (this.#unconfirmed.remove(id)) this.#confirmed.add(id);
  }

  remove(id: string): boolean {
    return this.#confirmed.remove(id) || this.#unconfirmed.remove(id);
  }

  confirmedIds(): string[] {
    return this.#confirmed.ids();
  }

  /** Up to `k` distinct confirmed ids, uniformly. */
  sampleConfirmed(rng: Rng, k: number): string[] {
    return this.#confirmed.sample(rng, k);
  }

  /** Up to `k` distinct unconfirmed ids, uniformly. */
  sampleUnconfirmed(rng: Rng, k: number): string[] {
    return this.#unconfirmed.sample(rng, k);
  }
}
