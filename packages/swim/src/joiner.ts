import type { Address, Instant } from '@trellis/runtime';
import type { AntiEntropy } from './anti-entropy.js';
import type { SwimContext } from './context.js';

/**
 * Join: a full-state exchange with every seed at once, retried with exponential backoff and
 * jitter until one answers.
 */
export class Joiner {
  readonly #ctx: SwimContext;
  readonly #antiEntropy: AntiEntropy;
  /** Announces our arrival once a seed has answered. */
  readonly #onJoined: () => void;
  #seeds: Address[] = [];
  #attempt = 0;
  #joined = false;

  constructor(ctx: SwimContext, antiEntropy: AntiEntropy, onJoined: () => void) {
    this.#ctx = ctx;
    this.#antiEntropy = antiEntropy;
    this.#onJoined = onJoined;
  }

  join(now: Instant, seeds: readonly Address[]): void {
    this.#seeds = seeds.filter((s) => s !== this.#ctx.table.self().addr);
    this.#attempt = 0;
    this.#joined = false;
    if (this.#seeds.length === 0) return;
    this.#ctx.timers.set('join', now);
  }

  /** Stops retrying (we leave). */
  stop(): void {
    this.#ctx.timers.clear('join');
  }

  /** The join timer: one attempt through every seed. */
  onJoinTimer(now: Instant): void {
    this.#ctx.timers.clear('join');
    const attempt = ++this.#attempt;
    this.#ctx.stats.joinAttempts++;
    let pending = this.#seeds.length;
    let succeeded = false;
    for (const seed of this.#seeds) {
      this.#antiEntropy.join(now, seed, (at, ok) => {
        pending--;
        if (ok && !succeeded && attempt === this.#attempt) {
          succeeded = true;
          if (!this.#joined) {
            this.#joined = true;
            this.#onJoined();
            this.#ctx.emit({ type: 'joined', seed, members: this.#ctx.clusterSize() });
          }
        }
        if (pending === 0 && !succeeded && attempt === this.#attempt && !this.#ctx.leaving) this.#retry(at);
      });
    }
  }

  #retry(at: Instant): void {
    const { config, rng, timers } = this.#ctx;
    const attempt = this.#attempt;
    const delay = Math.min(config.joinRetryMaxMs, config.joinRetryBaseMs * 2 ** (attempt - 1));
    const retryAt = at + Math.floor(delay * (0.75 + rng.float() * 0.5));
    timers.set('join', retryAt);
    this.#ctx.emit({ type: 'joinAttemptFailed', attempt, retryAt });
  }
}
