import type { Address } from '@trellis/runtime';
import type { OwnerRegisterStats } from '@trellis/store';
import type { RouteEntry } from './route-entry.js';

/** The converged table of one overlay changed. `changed` pairs are [previous, next]. */
export interface RoutesChanged {
  readonly type: 'routesChanged';
  readonly overlay: string;
  readonly added: readonly RouteEntry[];
  readonly removed: readonly RouteEntry[];
  readonly changed: readonly (readonly [RouteEntry, RouteEntry])[];
}

export type RoutesEvent =
  | RoutesChanged
  /** We claimed a slice; it is usable once `sliceSettled` follows. */
  | { readonly type: 'sliceClaimed'; readonly overlay: string; readonly slice: number }
  | { readonly type: 'sliceSettled'; readonly overlay: string; readonly route: RouteEntry }
  /** Another agent's claim won our slice; we claim another one. */
  | { readonly type: 'sliceLost'; readonly overlay: string; readonly slice: number; readonly to: string }
  /** No free slice is left on the overlay; the agent keeps watching for one to free up. */
  | { readonly type: 'slicesExhausted'; readonly overlay: string; readonly message: string }
  | { readonly type: 'routeRejected'; readonly from: Address; readonly reason: string };

export interface RoutesStats extends OwnerRegisterStats {
  /** Slices we claimed (first claims, re-claims after a lost conflict, continued slices). */
  readonly claims: number;
  /** Our claims that lost to an earlier one. */
  readonly conflictsLost: number;
  /** Times no slice was free for a claim of ours. */
  readonly exhausted: number;
}
