import { ConfigProblems, type DurationMs } from '@trellis/runtime';

export interface RoutesConfig {
  /** A claim must stand unchallenged this long before the agent uses its slice. */
  readonly settleMs: DurationMs;
  /** Routes of a dead owner stay in converged tables this long (a flapping host keeps traffic). */
  readonly graceMs: DurationMs;
  /** A dead owner's slice may be claimed by another agent only after this long. */
  readonly reclaimMs: DurationMs;
  /** Withdrawn records are kept this long, then collected (NetworkDB keeps 30 min). */
  readonly tombstoneTtlMs: DurationMs;
  /** Route records held at most, all overlays together; past it new keys are rejected and counted. */
  readonly recordsMax: number;
  readonly digestBuckets: number;
  /** Changes are coalesced for this long before the converged tables are recomputed. */
  readonly recomputeDelayMs: DurationMs;
  /** Share of each packet's gossip budget reserved for route news when membership news waits. */
  readonly broadcastShare: number;
}

export const defaultRoutesConfig: RoutesConfig = Object.freeze({
  settleMs: 3000,
  graceMs: 10_000,
  reclaimMs: 600_000,
  tombstoneTtlMs: 1_800_000,
  recordsMax: 200_000,
  digestBuckets: 256,
  recomputeDelayMs: 100,
  broadcastShare: 0.5,
});

/** Fills defaults and validates, listing every problem in one ConfigError. */
export function parseRoutesConfig(input: Partial<RoutesConfig> = {}): RoutesConfig {
  const c = { ...defaultRoutesConfig, ...input };
  const p = new ConfigProblems();
  p.integer('settleMs', c.settleMs, 0, 3_600_000);
  p.integer('graceMs', c.graceMs, 0, 86_400_000);
  p.integer('reclaimMs', c.reclaimMs, 0, 30 * 86_400_000);
  p.integer('tombstoneTtlMs', c.tombstoneTtlMs, 1000, 30 * 86_400_000);
  p.integer('recordsMax', c.recordsMax, 1, 10_000_000);
  if (
    p.integer('digestBuckets', c.digestBuckets, 1, 1 << 20) &&
    (c.digestBuckets & (c.digestBuckets - 1)) !== 0
  )
    p.add('digestBuckets', `must be a power of two, got ${c.digestBuckets}`);
  p.integer('recomputeDelayMs', c.recomputeDelayMs, 0, 60_000);
  p.number('broadcastShare', c.broadcastShare, 0.05, 0.95);
  if (typeof c.reclaimMs === 'number' && typeof c.graceMs === 'number' && c.reclaimMs < c.graceMs)
    p.add(
      'reclaimMs',
      `must be at least graceMs (${c.graceMs}): a slice still routed must not be handed out`,
    );
  for (const key of Object.keys(input))
    if (!Object.hasOwn(defaultRoutesConfig, key)) p.add(key, 'is not a routes setting');
  p.throwIfAny('routes config');
  return Object.freeze(c);
}
