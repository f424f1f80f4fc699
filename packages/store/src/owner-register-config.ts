import type { ConfigProblems, DurationMs } from '@trellis/runtime';

/**
 * The settings every owner-register store shares (routes, tasks, owned `kv` tables add their
 * own). Each store keeps its own defaults; `checkOwnerRegisterConfig` validates these fields.
 */
export interface OwnerRegisterConfig {
  /** Records of a dead owner stay in the converged view this long (a flapping host keeps them). */
  readonly graceMs: DurationMs;
  /**
   * Records of an owner that left, or has been dead (or unknown) this long, are dropped and
   * refused from peers: hosts replaced over months must not fill the table, and a long-gone
   * owner's record must never come back to compete with a live one.
   */
  readonly reapMs: DurationMs;
  /** Withdrawn records are kept this long (to beat stale copies), then collected. */
  readonly tombstoneTtlMs: DurationMs;
  /** Records held at most, every owner together; past it new keys are refused and counted. */
  readonly recordsMax: number;
  /**
   * Records one owner may have in the table, tombstones included; a peer's record under a new
   * key past it is refused and counted (`ownerFull`), so one owner cannot take the whole table.
   * Default `recordsMax`.
   */
  readonly recordsPerOwnerMax?: number;
  /**
   * A peer record whose generation (its owner's start time in ms) is more than this ahead of our
   * clock is refused and counted (`clockSkew`). Default one hour.
   */
  readonly clockSkewMaxMs?: DurationMs;
  readonly digestBuckets: number;
  /** Changes are coalesced for this long before the converged view is recomputed. */
  readonly recomputeDelayMs: DurationMs;
  /**
   * After a restart, our previous life's records stay published this long, so that what is
   * still true can be published again without a blip; the rest is then withdrawn.
   */
  readonly adoptWindowMs: DurationMs;
  /** Relative share of each packet's gossip budget when other classes have news waiting. */
  readonly broadcastShare: number;
}

/** Records a problem for every field of `c` out of range (the caller throws). */
export function checkOwnerRegisterConfig(p: ConfigProblems, c: OwnerRegisterConfig): void {
  p.integer('graceMs', c.graceMs, 0, 86_400_000);
  if (
    p.integer('reapMs', c.reapMs, 0, 30 * 86_400_000) &&
    typeof c.graceMs === 'number' &&
    c.reapMs < c.graceMs
  )
    p.add('reapMs', `must be at least graceMs (${c.graceMs}): records still in the view must be kept`);
  p.integer('tombstoneTtlMs', c.tombstoneTtlMs, 1000, 30 * 86_400_000);
  p.integer('recordsMax', c.recordsMax, 1, 10_000_000);
  if (c.recordsPerOwnerMax !== undefined)
    p.integer('recordsPerOwnerMax', c.recordsPerOwnerMax, 1, 10_000_000);
  if (c.clockSkewMaxMs !== undefined) p.integer('clockSkewMaxMs', c.clockSkewMaxMs, 0, 30 * 86_400_000);
  if (
    p.integer('digestBuckets', c.digestBuckets, 1, 1 << 20) &&
    (c.digestBuckets & (c.digestBuckets - 1)) !== 0
  )
    p.add('digestBuckets', `must be a power of two, got ${c.digestBuckets}`);
  p.integer('recomputeDelayMs', c.recomputeDelayMs, 0, 60_000);
  p.integer('adoptWindowMs', c.adoptWindowMs, 0, 3_600_000);
  p.number('broadcastShare', c.broadcastShare, 0.05, 0.95);
}

/** Records a problem for every key of `input` that `defaults` does not have. */
export function checkKnownKeys(p: ConfigProblems, input: object, defaults: object, what: string): void {
  for (const key of Object.keys(input))
    if (!Object.hasOwn(defaults, key)) p.add(key, `is not a ${what} setting`);
}
