import type { Address, Instant } from '@trellis/runtime';
import type { AntiEntropy } from './anti-entropy.js';
import type { SwimContext } from './context.js';

/** One attempt through every seed; a later attempt or join makes its replies stale. */
interface Attempt {
  readonly number: number;
  pending: number;
  succeeded: boolean;
  readonly errors: { seed: Address; reason: string }[];
}

/**
 * Join: a full-state exchange with every seed at once, retried with exponential backoff and
 * jitter until one answers or `joinAttemptsMax` attempts have failed. Seeds that are all our
 * own address bootstrap a cluster of one.
 */
export class Joiner {
  readonly #ctx: SwimContext;
  readonly #antiEntropy: AntiEntropy;
  /** Announces our arrival once a seed has answered. */
  readonly #onJoined: () => void;
  #seeds: Address[] = [];
  #attempts = 0;
  #current: Attempt | undefined;
  #joined = false;

  constructor(ctx: SwimContext, antiEntropy: AntiEntropy, onJoined: () => void) {
    this.#ctx = ctx;
    this.#antiEntropy = antiEntropy;
    this.#onJoined = onJoined;
  }

  join(now: Instant, seeds: readonly Address[]): void {
    const self = this.#ctx.table.self().addr;
    this.#seeds = [...new Set(seeds)].filter((s) => s !== self);
    this.#attempts = 0;
    this.#current = undefined;
    this.#joined = false;
    this.stop();
    if (this.#seeds.length > 0) this.#ctx.timers.set('join', now);
    else if (seeds.length > 0) this.#succeed(undefined);
  }

  /** Stops retrying (we leave). */
  stop(): void {
    this.#ctx.timers.clear('join');
  }

  /** The join timer: one attempt through every seed. */
  onJoinTimer(now: Instant): void {
    this.stop();
    const attempt: Attempt = {
      number: ++this.#attempts,
      pending: this.#seeds.length,
      succeeded: false,
      errors: [],
    };
    this.#current = attempt;
    this.#ctx.stats.joinAttempts++;
    for (const seed of this.#seeds) {
      this.#antiEntropy.join(now, seed, (at, error) => {
        if (attempt !== this.#current) return;
        attempt.pending--;
        if (error !== undefined) attempt.errors.push({ seed, reason: error });
        else if (!attempt.succeeded) {
          attempt.succeeded = true;
          this.#succeed(seed);
        }
        if (attempt.pending === 0 && !attempt.succeeded && !this.#ctx.leaving) this.#failed(at, attempt);
      });
    }
  }

  #succeed(seed: Address | undefined): void {
    if (this.#joined) return;
    this.#joined = true;
    if (seed !== undefined) this.#onJoined();
    this.#ctx.emit({ type: 'joined', seed, members: this.#ctx.clusterSize() });
  }

  #failed(at: Instant, attempt: Attempt): void {
    const { config, rng, timers } = this.#ctx;
    if (config.joinAttemptsMax > 0 && attempt.number >= config.joinAttemptsMax) {
      const order = new Map(this.#seeds.map((s, i) => [s, i]));
      const errors = [...attempt.errors].sort((a, b) => order.get(a.seed)! - order.get(b.seed)!);
      this.#ctx.emit({ type: 'joinFailed', attempts: attempt.number, errors });
      return;
    }
    const delay = Math.min(config.joinRetryMaxMs, config.joinRetryBaseMs * 2 ** (attempt.number - 1));
    const retryAt = at + Math.floor(delay * (0.75 + rng.float() * 0.5));
    timers.set('join', retryAt);
    this.#ctx.emit({ type: 'joinAttemptFailed', attempt: attempt.number, retryAt });
  }
}
