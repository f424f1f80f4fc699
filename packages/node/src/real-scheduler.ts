import type { Instant, Scheduler } from '@trellis/runtime';

/**
 * Wall-clock time and Node.js timers. A timer that fires late (a blocked event loop) simply
 * passes a later `now` to the core, which is how the core measures its own event-loop delay.
 */
export const realScheduler: Scheduler = Object.freeze({
  now: (): Instant => Date.now(),
  schedule(at: Instant, fn: () => void): () => void {
    const handle = setTimeout(fn, Math.max(0, at - Date.now()));
    return () => clearTimeout(handle);
  },
});
