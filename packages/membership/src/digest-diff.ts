import type { BucketAggregates, DigestEntry, DigestRoot } from './digest-index.js';

/**
 * The pure steps of digest-driven anti-entropy. The protocol layer does the round trips:
 *   1. exchange `root()`s; `rootsEqual` => done (O(1) whatever the table size);
 *   2. exchange `buckets()`; `diffBuckets` names the buckets that differ;
 *   3. exchange `entries(thoseBuckets)`; `diffEntries` names the keys to send or ask for.
 * Every input may come from a peer, so nothing here throws on a malformed value; the `is*`
 * guards let the protocol layer reject such values before they reach these functions.
 */

export function rootsEqual(a: DigestRoot, b: DigestRoot): boolean {
  return a.every((x, i) => x === b[i]);
}

/**
 * Bucket numbers whose aggregates differ, ascending. `undefined` when the two sides use
 * different bucket counts: their buckets do not correspond, and the caller should fall back to
 * a full exchange.
 */
export function diffBuckets(mine: BucketAggregates, theirs: BucketAggregates): number[] | undefined {
  if (mine.length !== theirs.length || mine.length % 3 !== 0) return undefined;
  const out: number[] = [];
  for (let i = 0; i < mine.length; i += 3) {
    if (mine[i] !== theirs[i] || mine[i + 1] !== theirs[i + 1] || mine[i + 2] !== theirs[i + 2]) {
      out.push(i / 3);
    }
  }
  return out;
}

/**
 * Keys whose version differs between the two lists or that only one side has, sorted. Both
 * lists should cover the same buckets. If a list names a key twice, the last entry counts.
 */
export function diffEntries(mine: readonly DigestEntry[], theirs: readonly DigestEntry[]): string[] {
  const theirsByKey = new Map<string, DigestEntry>();
  for (const e of theirs) theirsByKey.set(e[0], e);
  const out = new Set<string>();
  const mineByKey = new Map<string, DigestEntry>();
  for (const e of mine) mineByKey.set(e[0], e);
  for (const [key, m] of mineByKey) {
    const t = theirsByKey.get(key);
    if (t === undefined || t[1] !== m[1] || t[2] !== m[2]) out.add(key);
  }
  for (const key of theirsByKey.keys()) if (!mineByKey.has(key)) out.add(key);
  return [...out].sort();
}

const isU32 = (x: unknown): x is number =>
  typeof x === 'number' && Number.isInteger(x) && x >= 0 && x <= 0xffffffff;

export function isDigestRoot(x: unknown): x is DigestRoot {
  return Array.isArray(x) && x.length === 4 && x.every(isU32);
}

export function isBucketAggregates(x: unknown, bucketCount: number): x is BucketAggregates {
  return Array.isArray(x) && x.length === bucketCount * 3 && x.every(isU32);
}

/** Checks a peer's entry list, with a bound on its length so a peer cannot make us loop. */
export function isDigestEntries(x: unknown, entriesMax: number): x is DigestEntry[] {
  if (!Array.isArray(x) || x.length > entriesMax) return false;
  return x.every(
    (e: unknown) =>
      Array.isArray(e) && e.length === 3 && typeof e[0] === 'string' && isU32(e[1]) && isU32(e[2]),
  );
}
