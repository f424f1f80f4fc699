import type { Instant } from '@trellis/runtime';
import type { BroadcastQueue } from './broadcast-queue.js';
import type { SwimConfig } from './config.js';
import type { SwimEvent } from './events.js';
import type { Timers } from './timers.js';

export interface DepartureParts {
  readonly config: SwimConfig;
  readonly timers: Timers;
  readonly queue: BroadcastQueue;
  readonly emit: (event: SwimEvent) => void;
  readonly clusterSize: () => number;
}

/**
 * A graceful leave: once our `left` record is queued, stop probing and wait until the news is
 * out (the gossip rounds say so) or time is up, then report `leaveCompleted` once.
 */
export class Departure {
  readonly #p: DepartureParts;
  #leaving = false;
  #done = false;

  constructor(parts: DepartureParts) {
    this.#p = parts;
  }

  get leaving(): boolean {
    return this.#leaving;
  }

  /** We left at `now` (the table holds our `left` record). */
  start(now: Instant): void {
    const { config, timers, queue } = this.#p;
    this.#leaving = true;
    timers.clear('probe');
    timers.clear('probeTimeout');
    // Enough gossip rounds for the retransmit limit, and never less than two probe periods.
    const rounds = queue.retransmitLimit(this.#p.clusterSize()) / Math.max(1, config.gossipNodes) + 2;
    timers.set('leave', now + Math.max(2 * config.probeIntervalMs, rounds * config.gossipIntervalMs));
  }

  /** Our news is out, or the leave timer ran out. */
  finish(): void {
    this.#p.timers.clear('leave');
    if (this.#done) return;
    this.#done = true;
    this.#p.emit({ type: 'leaveCompleted' });
  }
}
