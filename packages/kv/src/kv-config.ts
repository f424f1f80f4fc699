import { ConfigProblems, type DurationMs } from '@trellis/runtime';
import { checkKnownKeys, checkOwnerRegisterConfig, type OwnerRegisterConfig } from '@trellis/store';

/**
 * `owned` (the default, Docker NetworkDB's model): each node writes only its own keys; readers
 * see every live owner's entries, a dead owner's until `graceMs` after its death.
 * `shared`: one value per key, whoever writes it; the last write wins by a hybrid logical
 * clock, ties broken by the writer's node id.
 */
export type KvMode = 'owned' | 'shared';

export interface KvConfig extends OwnerRegisterConfig {
  readonly mode: KvMode;
  /** Longest key, in UTF-16 code units. */
  readonly keyLengthMax: number;
  /** Largest value, msgpack bytes: values travel piggybacked on gossip packets. */
  readonly valueBytesMax: number;
  /** Keys one node may write (owned mode); the table's total is `recordsMax`. */
  readonly ownKeysMax: number;
  readonly recordsPerOwnerMax: number;
  /**
   * A clock (shared mode) or an owner's generation (owned mode) this far ahead of ours is refused:
   * it would win every write for that long.
   */
  readonly clockSkewMaxMs: DurationMs;
}

export const defaultKvConfig: KvConfig = Object.freeze({
  mode: 'owned',
  graceMs: 10_000,
  reapMs: 600_000,
  tombstoneTtlMs: 1_800_000,
  recordsMax: 100_000,
  digestBuckets: 256,
  recomputeDelayMs: 50,
  adoptWindowMs: 30_000,
  broadcastShare: 0.3,
  keyLengthMax: 256,
  valueBytesMax: 1024,
  ownKeysMax: 10_000,
  // Owned mode: a node's keys and, for the tombstone TTL, those it deleted.
  recordsPerOwnerMax: 20_000,
  clockSkewMaxMs: 3_600_000,
});

const tableName = /^[A-Za-z0-9._-]{1,64}$/;

/** Checks a table name: 1-64 characters of letters, digits, `.`, `_` and `-`. */
export function isTableName(name: unknown): name is string {
  return typeof name === 'string' && tableName.test(name);
}

/** Fills defaults and validates, listing every problem in one ConfigError. */
export function parseKvConfig(input: Partial<KvConfig> = {}): KvConfig {
  const c = { ...defaultKvConfig, ...input };
  const p = new ConfigProblems();
  if ((c.mode as string) !== 'owned' && (c.mode as string) !== 'shared')
    p.add('mode', `must be "owned" or "shared", got ${JSON.stringify(c.mode)}`);
  checkOwnerRegisterConfig(p, c);
  p.integer('keyLengthMax', c.keyLengthMax, 1, 4096);
  p.integer('valueBytesMax', c.valueBytesMax, 1, 1200);
  p.integer('ownKeysMax', c.ownKeysMax, 1, 10_000_000);
  if (typeof c.ownKeysMax === 'number' && c.ownKeysMax > c.recordsPerOwnerMax)
    p.add(
      'ownKeysMax',
      `must be at most recordsPerOwnerMax (${c.recordsPerOwnerMax}): peers would refuse the rest`,
    );
  checkKnownKeys(p, input, defaultKvConfig, 'kv');
  p.throwIfAny('kv config');
  return Object.freeze(c);
}
