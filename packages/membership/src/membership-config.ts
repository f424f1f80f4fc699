import { ConfigProblems } from '@trellis/runtime';

/** Settings of one `MemberTable`. Every field is bounded; the comment says what the bound does. */
export interface MembershipConfig {
  /**
   * Largest `meta` in bytes. Local updates beyond it throw; remote records beyond it are
   * rejected. 512 leaves room for several records in one 1400-byte gossip packet (memberlist
   * caps meta at 512 for the same reason); 16384 is a hard ceiling for push-pull streams.
   */
  readonly metaSizeMax: number;
  /**
   * Most records held, self and tombstones included. A new id beyond it is rejected and
   * counted (`tableFull`), never stored: a flood of forged ids cannot exhaust memory.
   */
  readonly membersMax: number;
  /**
   * How long a dead or left record is kept, from its last local status change, before
   * `collect` removes it. It must outlive any partition or offline period after which a stale
   * `alive` record could still arrive, because a collected tombstone can no longer beat it.
   * 24 h is serf's `TombstoneTimeout` (memberlist itself forgets the dead after 30 s, and serf
   * layers the day on top precisely to stop resurrections). A tombstone costs ~200 bytes.
   */
  readonly tombstoneTtlMs: number;
  /**
   * Buckets in the anti-entropy digest, a power of two. More buckets mean a larger second
   * round but fewer entries exchanged per difference: 256 buckets of a 100,000-member table
   * hold ~390 entries each. Peers must agree on it for bucket-level comparison.
   */
  readonly digestBuckets: number;
  /**
   * A remote record whose incarnation is more than this ahead of our clock is rejected
   * (`clockSkew`). Incarnations start at the owner's start time in ms and rise by one per
   * refutation, so an honest one is never far ahead; a forged one far ahead would hold its
   * member in its status until the owner's clock caught up (at 2^53 - 1, for good).
   */
  readonly clockSkewMaxMs: number;
}

export const metaSizeMaxLimit = 16_384;
export const membersMaxLimit = 10_000_000;
export const tombstoneTtlMsLimit = 365 * 24 * 3_600_000;
export const digestBucketsLimit = 65_536;
/** Incarnations are unix ms: past this bound the check would accept anything. */
export const clockSkewMaxMsLimit = 30 * 24 * 3_600_000;

export const defaultMembershipConfig: Readonly<MembershipConfig> = Object.freeze({
  metaSizeMax: 512,
  membersMax: 100_000,
  tombstoneTtlMs: 24 * 3_600_000,
  digestBuckets: 256,
  clockSkewMaxMs: 3_600_000,
});

const knownKeys = new Set<string>(Object.keys(defaultMembershipConfig));

/**
 * Fills in defaults and validates, reporting every problem at once as a `ConfigError`.
 * Accepts `unknown` field values because configs often come from JSON files.
 */
export function parseMembershipConfig(input: Partial<MembershipConfig> = {}): MembershipConfig {
  const problems = new ConfigProblems();
  if (typeof input !== 'object' || (input as unknown) === null) {
    problems.add('membership', 'must be an object');
    problems.throwIfAny('membership config');
  }
  for (const key of Object.keys(input)) {
    if (!knownKeys.has(key)) problems.add(`membership.${key}`, 'is not a known option');
  }
  const c: MembershipConfig = { ...defaultMembershipConfig, ...stripUndefined(input) };
  problems.integer('membership.metaSizeMax', c.metaSizeMax, 0, metaSizeMaxLimit);
  problems.integer('membership.membersMax', c.membersMax, 1, membersMaxLimit);
  problems.integer('membership.tombstoneTtlMs', c.tombstoneTtlMs, 0, tombstoneTtlMsLimit);
  if (problems.integer('membership.digestBuckets', c.digestBuckets, 1, digestBucketsLimit)) {
    if ((c.digestBuckets & (c.digestBuckets - 1)) !== 0) {
      problems.add('membership.digestBuckets', `must be a power of two, got ${c.digestBuckets}`);
    }
  }
  problems.integer('membership.clockSkewMaxMs', c.clockSkewMaxMs, 0, clockSkewMaxMsLimit);
  problems.throwIfAny('membership config');
  return Object.freeze(c);
}

// `{ membersMax: undefined }` should mean "default", not "invalid".
function stripUndefined(input: Partial<MembershipConfig>): Partial<MembershipConfig> {
  return Object.fromEntries(
    Object.entries(input as Record<string, unknown>).filter(([, v]) => v !== undefined),
  );
}
