import test from 'ava';
import { InvalidArgumentError } from '@trellis/runtime';
import { DigestIndex, diffBuckets, rootsEqual, type EntryHash } from '../src/index.js';

const v = (n: number): EntryHash => [n, n * 7];

test('insertion order does not change the digest', (t) => {
  const a = new DigestIndex(16);
  const b = new DigestIndex(16);
  for (let i = 0; i < 100; i++) a.set(`k${i}`, v(i));
  for (let i = 99; i >= 0; i--) b.set(`k${i}`, v(i));
  t.deepEqual(a.root(), b.root());
  t.deepEqual(a.buckets(), b.buckets());
  t.deepEqual(a.entries([0, 1, 2]), b.entries([2, 1, 0]));
});

test('updates and deletes are incremental: the digest equals a rebuild', (t) => {
  const a = new DigestIndex(8);
  for (let i = 0; i < 50; i++) a.set(`k${i}`, v(i));
  for (let i = 0; i < 50; i += 3) a.set(`k${i}`, v(i + 1000));
  for (let i = 1; i < 50; i += 5) t.true(a.delete(`k${i}`));
  t.false(a.delete('missing'));
  const rebuilt = new DigestIndex(8);
  for (let i = 0; i < 50; i++) {
    if (i % 5 === 1) continue;
    rebuilt.set(`k${i}`, v(i % 3 === 0 ? i + 1000 : i));
  }
  t.deepEqual(a.root(), rebuilt.root());
  t.deepEqual(a.buckets(), rebuilt.buckets());
  t.is(a.size, rebuilt.size);
  t.deepEqual(a.versionOf('k3'), v(1003));
});

test('removing everything returns to the empty digest', (t) => {
  const a = new DigestIndex(4);
  const empty = a.root();
  a.set('x', v(1));
  a.set('y', v(2));
  a.delete('x');
  a.delete('y');
  t.deepEqual(a.root(), empty);
  t.deepEqual(a.buckets(), new Array<number>(12).fill(0));
});

test('the same versions under swapped keys still differ', (t) => {
  const a = new DigestIndex(1);
  const b = new DigestIndex(1);
  a.set('x', v(1));
  a.set('y', v(2));
  b.set('x', v(2));
  b.set('y', v(1));
  t.false(rootsEqual(a.root(), b.root()));
  t.deepEqual(diffBuckets(a.buckets(), b.buckets()), [0]);
});

test('root and buckets are plain unsigned numbers', (t) => {
  const a = new DigestIndex(4);
  for (let i = 0; i < 20; i++) a.set(`k${i}`, v(i));
  const [bucketCount, count, hi, lo] = a.root();
  t.is(bucketCount, 4);
  t.is(count, 20);
  for (const x of [hi, lo, ...a.buckets()]) t.true(Number.isInteger(x) && x >= 0 && x <= 0xffffffff);
  t.is(a.buckets().length, 12);
  t.is(a.entries([99, -1, 1.5]).length, 0);
});

test('bucketCount must be a power of two', (t) => {
  for (const n of [0, 3, 1.5, -2, 2 ** 30]) {
    t.throws(() => new DigestIndex(n), { instanceOf: InvalidArgumentError });
  }
});
