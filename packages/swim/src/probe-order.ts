import type { Rng } from '@trellis/runtime';

/** Members per chunk of the round after a refill; a chunk that grows to twice this splits. */
const chunkSize = 64;

/**
 * Randomized round-robin probe order (SWIM 4.3): every member is probed once per round, in a
 * fresh random order each round, which bounds worst-case first detection at 2N - 1 periods.
 * New members are inserted at a random position of the rest of the current round. The round
 * is held in chunks, so an insertion costs O(sqrt N) rather than a splice of the whole round
 * (N of them, N times over, while a cluster of 1,000 boots); the order is the same as one
 * array's, so seeded runs are unchanged.
 */
export class ProbeOrder {
  readonly #rng: Rng;
  #chunks: string[][] = [];
  /** The next member to return is `#chunks[#chunk][#offset]`, at `#index` in the round. */
  #chunk = 0;
  #offset = 0;
  #index = 0;
  #length = 0;

  constructor(rng: Rng) {
    this.#rng = rng;
  }

  /** Next member to probe among `candidates` (which may have changed since the last call). */
  next(isCandidate: (id: string) => boolean, refill: () => string[]): string | undefined {
    for (let pass = 0; pass < 2; pass++) {
      for (; this.#chunk < this.#chunks.length; this.#chunk++, this.#offset = 0) {
        const chunk = this.#chunks[this.#chunk]!;
        while (this.#offset < chunk.length) {
          const id = chunk[this.#offset++]!;
          this.#index++;
          if (isCandidate(id)) return id;
        }
      }
      this.#start(this.#rng.shuffle(refill()));
    }
    return undefined;
  }

  add(id: string): void {
    const at = this.#rng.int(this.#index, this.#length + 1);
    this.#length++;
    // Walk from the cursor to the chunk holding round position `at` (never before the cursor).
    let c = this.#chunk;
    let pos = this.#offset + (at - this.#index);
    while (c < this.#chunks.length && pos > this.#chunks[c]!.length) pos -= this.#chunks[c++]!.length;
    const chunk = this.#chunks[c];
    if (chunk === undefined) {
      this.#chunks.push([id]);
      return;
    }
    chunk.splice(pos, 0, id);
    if (chunk.length >= 2 * chunkSize) this.#split(c);
  }

  #start(order: string[]): void {
    this.#chunks = [];
    for (let i = 0; i < order.length; i += chunkSize) this.#chunks.push(order.slice(i, i + chunkSize));
    this.#chunk = 0;
    this.#offset = 0;
    this.#index = 0;
    this.#length = order.length;
  }

  #split(c: number): void {
    const chunk = this.#chunks[c]!;
    const half = chunk.length >> 1;
    this.#chunks.splice(c + 1, 0, chunk.splice(half));
    if (c === this.#chunk && this.#offset >= half) {
      this.#chunk++;
      this.#offset -= half;
    }
  }
}
