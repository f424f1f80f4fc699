import type { Instant } from '@trellis/runtime';

/**
 * A token bucket in virtual time: `burst` tokens, one more every `refillMs`. It is never reset
 * or cleared (a bounded map of per-sender timestamps that is cleared when full, as before, lets
 * a flood of fresh senders through again), so the long-run rate holds against any sender mix.
 */
export class TokenBucket {
  readonly #burst: number;
  readonly #refillMs: number;
  #tokens: number;
  #at: Instant | undefined;

  constructor(burst: number, refillMs: number) {
    this.#burst = burst;
    this.#refillMs = refillMs;
    this.#tokens = burst;
  }

  /** Takes one token if there is one. */
  take(now: Instant): boolean {
    if (this.#at !== undefined && now > this.#at)
      this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) / this.#refillMs);
    if (this.#at === undefined || now > this.#at) this.#at = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
