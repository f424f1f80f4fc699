/**
 * Past this the counter moves into the next millisecond instead: a peer's stamp may carry any
 * safe integer, and counting on from the largest would give stamps no replica accepts.
 */
const counterMax = 0x7fffffff;

/**
 * A hybrid logical clock (Kulkarni et al., 2014): wall-clock milliseconds `l` and a counter `c`
 * for events within one millisecond or while the wall clock lags a time already seen. Every
 * write is stamped above every stamp this node has seen, so on one key a later write (in the
 * causal sense) always wins, and the stamp never runs far from real time.
 */
export class HybridClock {
  #l = 0;
  #c = 0;

  /** A stamp for a local write at wall time `now`. */
  tick(now: number): { readonly l: number; readonly c: number } {
    const wall = Math.floor(now);
    if (wall > this.#l) {
      this.#l = wall;
      this.#c = 0;
    } else if (this.#c >= counterMax) {
      this.#l++;
      this.#c = 0;
    } else this.#c++;
    return { l: this.#l, c: this.#c };
  }

  /** A stamp seen on a peer's write: later local writes go above it. */
  observe(l: number, c: number): void {
    if (l > this.#l || (l === this.#l && c > this.#c)) {
      this.#l = l;
      this.#c = c;
    }
  }
}
