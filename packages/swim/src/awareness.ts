/**
 * Lifeguard's local health multiplier. A node that misses nacks, has to refute suspicions of
 * itself, or sees its own timers fire late is probably the slow one; it stretches its probe
 * interval and timeout by (score + 1) instead of accusing healthy peers.
 */
export class Awareness {
  readonly #max: number;
  #score = 0;

  constructor(max: number) {
    this.#max = max;
  }

  get score(): number {
    return this.#score;
  }

  /** Adds `delta` (negative for good news), clamped to [0, max - 1]. Returns the new score. */
  apply(delta: number): number {
    this.#score = Math.min(this.#max - 1, Math.max(0, this.#score + delta));
    return this.#score;
  }

  /** Scales a duration by the current health. */
  scale(ms: number): number {
    return ms * (this.#score + 1);
  }
}
