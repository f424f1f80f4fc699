import test from 'ava';
import fc from 'fast-check';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { DigestIndex, type EntryHash } from '../src/index.js';

const allBuckets = (n: number) => Array.from({ length: n }, (_, i) => i);

test('any sequence of sets and deletes (slots reused) leaves the digest of a fresh index of what is left', (t) => {
  const op = fc.record({ key: fc.integer({ min: 0, max: 40 }), del: fc.boolean(), v: fc.nat() });
  fc.assert(
    fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const a = new DigestIndex(8);
      const model = new Map<string, EntryHash>();
      for (const { key, del, v } of ops) {
        const k = `k${key}`;
        if (del) t.is(a.delete(k), model.delete(k));
        else {
          a.set(k, [v, v ^ 0x5555]);
          model.set(k, [v, v ^ 0x5555]);
        }
      }
      const fresh = new DigestIndex(8);
      for (const [k, v] of model) fresh.set(k, v);
      t.deepEqual(a.root(), fresh.root());
      t.deepEqual(a.buckets(), fresh.buckets());
      t.deepEqual(a.entries(allBuckets(8)), fresh.entries(allBuckets(8)));
      t.is(a.entries(allBuckets(8)).length, model.size);
      for (const [k, v] of model) t.deepEqual(a.versionOf(k), v);
    }),
    { numRuns: 200, seed: 1601 },
  );
});

test('versions come back exactly as given, whatever the number', (t) => {
  const a = new DigestIndex(4);
  a.set('x', [0xffff_ffff, 2 ** 40]);
  t.deepEqual(a.versionOf('x'), [0xffff_ffff, 2 ** 40]);
  t.deepEqual(a.entries([a.bucketOf('x'), 99, -1, 0.5]), [['x', 0xffff_ffff, 2 ** 40]]);
});

test('an entry costs under 140 bytes (it was ~210): every replica holds one per member', (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const keys = Array.from({ length: 20_000 }, (_, i) => `n${i}`);
  const indexes: DigestIndex[] = [];
  gc();
  const before = process.memoryUsage();
  for (let r = 0; r < 10; r++) {
    const d = new DigestIndex(256);
    for (const k of keys) d.set(k, [0x9e37_79b9, r + 0x8000_0000]);
    indexes.push(d);
  }
  gc();
  const after = process.memoryUsage();
  const bytes = after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers;
  const perEntry = bytes / (indexes.length * keys.length);
  t.log(`${perEntry.toFixed(0)} B per entry`);
  t.true(perEntry < 140, `${perEntry} B per entry`);
});
