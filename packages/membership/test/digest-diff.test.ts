import test from 'ava';
import { Rng } from '@trellis/runtime';
import {
  MemberTable,
  diffBuckets,
  diffEntries,
  isBucketAggregates,
  isDigestEntries,
  isDigestRoot,
  rootsEqual,
  type DigestView,
} from '../src/index.js';

/** Runs the three-step exchange and reports what each step would put on the wire. */
function exchange(mine: DigestView, theirs: DigestView) {
  if (rootsEqual(mine.root(), theirs.root())) return { keys: [], buckets: 0, entries: 0 };
  const buckets = diffBuckets(mine.buckets(), theirs.buckets())!;
  const a = mine.entries(buckets);
  const b = theirs.entries(buckets);
  return { keys: diffEntries(a, b), buckets: buckets.length, entries: a.length + b.length };
}

const addr = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}:7946`;

function bigTables(n: number) {
  const a = new MemberTable({ id: 'a', addr: 'h:1' }, 0, { digestBuckets: 256 });
  const b = new MemberTable({ id: 'a', addr: 'h:1' }, 0, { digestBuckets: 256 });
  for (let i = 0; i < n; i++) {
    const r = { id: `node-${i}`, addr: addr(i), incarnation: 1, status: 'alive', meta: new Uint8Array(0) };
    a.merge(r, 0);
    b.merge(r, 0);
  }
  return [a, b] as const;
}

test('equal tables have equal roots, and the exchange stops there', (t) => {
  const [a, b] = bigTables(1000);
  t.deepEqual(a.digest().root(), b.digest().root());
  t.deepEqual(exchange(a.digest(), b.digest()), { keys: [], buckets: 0, entries: 0 });
});

test('5,000-entry tables differing in 10 keys: the diff names exactly those keys', (t) => {
  const [a, b] = bigTables(5000);
  const rng = Rng.fromSeed(7);
  const changed = rng.sample(
    Array.from({ length: 5000 }, (_, i) => i),
    10,
  );
  const expected: string[] = [];
  changed.forEach((i, n) => {
    const id = `node-${i}`;
    if (n < 4) {
      b.suspect(id, 1, 1); // newer on b
    } else if (n < 7) {
      a.merge({ ...a.get(id)!, incarnation: 2 }, 1); // newer on a
    } else {
      b.declareDead(id, 1, 1);
      b.collect(b.config.tombstoneTtlMs + 1); // only a has it
    }
    expected.push(id);
  });
  const result = exchange(a.digest(), b.digest());
  t.deepEqual(result.keys, expected.sort());
  t.true(result.buckets <= 10);
  // About 5000 / 256 ~ 20 entries per bucket and side: proportional to the buckets, not the table.
  t.true(
    result.entries <= result.buckets * 2 * 40,
    `${result.entries} entries for ${result.buckets} buckets`,
  );
  t.true(result.entries < 600, `${result.entries} entries exchanged`);
});

test('different bucket counts cannot be compared bucket by bucket', (t) => {
  t.is(diffBuckets([0, 0, 0], [0, 0, 0, 0, 0, 0]), undefined);
  t.deepEqual(diffBuckets([1, 2, 3, 4, 5, 6], [1, 2, 3, 4, 5, 7]), [1]);
});

test('diffEntries names keys that differ or are missing on either side', (t) => {
  t.deepEqual(
    diffEntries(
      [
        ['a', 1, 1],
        ['b', 2, 2],
        ['c', 3, 3],
      ],
      [
        ['b', 2, 2],
        ['c', 3, 4],
        ['d', 5, 5],
      ],
    ),
    ['a', 'c', 'd'],
  );
  t.deepEqual(diffEntries([], []), []);
});

test('guards reject malformed digests from peers', (t) => {
  t.true(isDigestRoot([256, 3, 1, 2]));
  t.false(isDigestRoot([256, 3, 1]));
  t.false(isDigestRoot([256, 3, -1, 2]));
  t.false(isDigestRoot('root'));
  t.true(isBucketAggregates([0, 0, 0], 1));
  t.false(isBucketAggregates([0, 0, 0], 2));
  t.false(isBucketAggregates([0, 0.5, 0], 1));
  t.true(isDigestEntries([['a', 1, 2]], 10));
  t.false(isDigestEntries([['a', 1]], 10));
  t.false(isDigestEntries([[1, 1, 2]], 10));
  t.false(isDigestEntries(new Array(11).fill(['a', 1, 2]), 10));
  t.false(isDigestEntries({}, 10));
});
