import type { Rng } from '@trellis/runtime';

/**
 * Randomized round-robin probe order (SWIM 4.3): every member is probed once per round, in a
 * fresh random order each round, which bounds worst-case first detection at 2N - 1 periods.
 * New members are inserted at a random position of the current round.
 */
export class ProbeOrder {
  readonly #rng: Rng;
  #order: string[] = [];
  #index = 0;

  constructor(rng: Rng) {
    this.#rng = rng;
  }

  /** Next member to probe among `candidates` (which may have changed since the last call). */
  next(isCandidate: (id: string) => boolean, refill: () => string[]): string | undefined {
    for (let pass = 0; pass < 2; pass++) {
      while (this.#index < this.#order.length) {
        const id = this.#order[this.#index++]!;
        if (isCandidate(id)) return id;
      }
      this.#order = this.#rng.shuffle(refill());
      this.#index = 0;
    }
    return undefined;
  }

  add(id: string): void {
    const at = this.#rng.int(this.#index, this.#order.length + 1);
    this.#order.splice(at, 0, id);
  }
}
