import type { Instant } from './instant.js';

/**
 * The only source of time a driver sees. The real driver wraps `Date.now` and `setTimeout`;
 * the simulator's hosts implement it on virtual time. Cores never see a Scheduler, only `now`.
 */
export interface Scheduler {
  now(): Instant;
  /** Calls `fn` once at (or as soon as possible after) `at`. Returns a cancel function. */
  schedule(at: Instant, fn: () => void): () => void;
}
