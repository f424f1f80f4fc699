import type { Instant } from '@trellis/runtime';

/**
 * Lifeguard's dynamic suspicion timeout for one suspected member. It starts at `max` and shrinks
 * toward `min` as independent confirmations arrive (log-scaled, as memberlist does), so a
 * member suspected by many is declared dead quickly while a lone, possibly slow, accuser has to
 * wait long enough for the suspect to hear of it and refute.
 */
export class Suspicion {
  readonly incarnation: number;
  readonly startedAt: Instant;
  readonly #minMs: number;
  readonly #maxMs: number;
  readonly #k: number;
  readonly #confirmers = new Set<string>();
  /** The latest deadline our own evidence allows (a refused probe), if any. */
  #cappedAt: Instant | undefined;

  constructor(opts: {
    incarnation: number;
    startedAt: Instant;
    from: string;
    minMs: number;
    maxMs: number;
    /** Confirmations needed to reach min; 0 means a fixed timeout of min (Lifeguard off). */
    k: number;
  }) {
    this.incarnation = opts.incarnation;
    this.startedAt = opts.startedAt;
    this.#minMs = opts.minMs;
    this.#maxMs = opts.k < 1 ? opts.minMs : opts.maxMs;
    this.#k = opts.k;
    this.#confirmers.add(opts.from);
  }

  /** Counts an independent confirmation; returns true if `from` was new (worth re-gossiping). */
  confirm(from: string): boolean {
    if (this.#confirmers.has(from)) return false;
    this.#confirmers.add(from);
    return this.confirmations <= this.#k;
  }

  /** Confirmations beyond the first accuser. */
  get confirmations(): number {
    return this.#confirmers.size - 1;
  }

  /** Our own probe found the suspect gone: be dead by `at` whatever the confirmations. */
  cap(at: Instant): void {
    this.#cappedAt = Math.min(at, this.#cappedAt ?? at);
  }

  get deadline(): Instant {
    const timeout = this.startedAt + suspicionTimeout(this.confirmations, this.#k, this.#minMs, this.#maxMs);
    return this.#cappedAt === undefined ? timeout : Math.min(timeout, this.#cappedAt);
  }
}

/** max - (max - min) x log(C + 1) / log(k + 1), never below min. */
export function suspicionTimeout(confirmations: number, k: number, minMs: number, maxMs: number): number {
  if (k < 1) return minMs;
  const frac = Math.log(confirmations + 1) / Math.log(k + 1);
  return Math.max(minMs, Math.floor(maxMs - (maxMs - minMs) * frac));
}

/** min = suspicionMult x max(1, log10(N)) x probeInterval. */
export function suspicionMinMs(suspicionMult: number, clusterSize: number, probeIntervalMs: number): number {
  const scale = Math.max(1, Math.log10(Math.max(1, clusterSize)));
  return Math.floor(suspicionMult * scale * probeIntervalMs);
}

/**
 * Lifeguard's K capped by who can confirm: neither the suspect nor we can, so a cluster of
 * `clusterSize` (alive and suspect, self included) has at most clusterSize - 2 independent
 * confirmers. Waiting for more than that only stretches the timeout toward max: a 2-node
 * cluster took 20 s to declare a crashed peer dead, a 3-node one 11.5 s.
 */
export function confirmationsExpected(suspicionConfirmations: number, clusterSize: number): number {
  return Math.min(suspicionConfirmations, Math.max(0, clusterSize - 2));
}
