import type { Address, Instant } from '@trellis/runtime';
import type { TraceEntry } from '../trace.js';

/** What a checker may look at: read-only questions about the simulated world. */
export interface InvariantContext {
  readonly now: Instant;
  readonly seed: number;
  /** Whether an active partition blocks from -> to right now. */
  isBlocked(from: Address, to: Address): boolean;
  /** Addresses of the hosts that are currently running. */
  runningAddresses(): readonly Address[];
}

/**
 * A property that must hold for the whole run. `observe` sees every trace record as it happens
 * (cheap bookkeeping only); `check` runs every `invariantCheckEveryMs` of virtual time and
 * returns a description of the violation, or undefined when all is well. The simulation turns a
 * description into an `InvariantViolation` carrying the seed.
 *
 * Future checkers (membership converged, routes converged) capture their nodes in a closure and
 * compare them in `check`; convergence checkers usually only report after a grace period.
 */
export interface Invariant {
  readonly name: string;
  observe?(entry: TraceEntry, context: InvariantContext): string | undefined;
  check?(context: InvariantContext): string | undefined;
}
