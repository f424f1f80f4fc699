import { ConfigProblems, type DurationMs } from '@trellis/runtime';
import { checkKnownKeys, checkOwnerRegisterConfig, type OwnerRegisterConfig } from '@trellis/store';

/**
 * Route-store settings: the owner-register ones (grace, reap, tombstones, bounds, adoption,
 * broadcast share; see `OwnerRegisterConfig`) and the slice claims'.
 */
export interface RoutesConfig extends OwnerRegisterConfig {
  /** A claim must stand unchallenged this long before the agent uses its slice. */
  readonly settleMs: DurationMs;
  /** A dead owner's slice may be claimed by another agent only after this long. */
  readonly reclaimMs: DurationMs;
  readonly recordsPerOwnerMax: number;
  readonly clockSkewMaxMs: DurationMs;
  /**
   * Accept peers' routes whose underlay is a loopback address: only for clusters whose agents
   * all run on one host (tests, demos). Elsewhere such a route is a forgery or a mistake.
   */
  readonly loopbackUnderlay: boolean;
}

export const defaultRoutesConfig: RoutesConfig = Object.freeze({
  settleMs: 3000,
  graceMs: 10_000,
  reclaimMs: 600_000,
  // Past the reclaim period, so a rebooting host's slice is kept for it; well before the member
  // tombstone is collected (24 h), so a dead owner's route is gone before it could turn unknown.
  reapMs: 3_600_000,
  // NetworkDB keeps 30 min.
  tombstoneTtlMs: 1_800_000,
  recordsMax: 200_000,
  // One record per overlay an owner routes: far more overlays than any agent has.
  recordsPerOwnerMax: 64,
  clockSkewMaxMs: 3_600_000,
  loopbackUnderlay: false,
  digestBuckets: 256,
  recomputeDelayMs: 100,
  adoptWindowMs: 30_000,
  broadcastShare: 0.5,
});

/** Fills defaults and validates, listing every problem in one ConfigError. */
export function parseRoutesConfig(input: Partial<RoutesConfig> = {}): RoutesConfig {
  const c = { ...defaultRoutesConfig, ...input };
  const p = new ConfigProblems();
  checkOwnerRegisterConfig(p, c);
  p.integer('settleMs', c.settleMs, 0, 3_600_000);
  p.boolean('loopbackUnderlay', c.loopbackUnderlay);
  if (p.integer('reclaimMs', c.reclaimMs, 0, 30 * 86_400_000)) {
    if (typeof c.graceMs === 'number' && c.reclaimMs < c.graceMs)
      p.add(
        'reclaimMs',
        `must be at least graceMs (${c.graceMs}): a slice still routed must not be handed out`,
      );
    if (typeof c.reapMs === 'number' && c.reapMs < c.reclaimMs)
      p.add(
        'reapMs',
        `must be at least reclaimMs (${c.reclaimMs}): a slice kept for its owner needs its record`,
      );
  }
  checkKnownKeys(p, input, defaultRoutesConfig, 'routes');
  p.throwIfAny('routes config');
  return Object.freeze(c);
}
