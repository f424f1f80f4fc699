import test from 'ava';
import { Hash64, hashKey } from '../src/index.js';

test('the hash is deterministic and pinned (a change would split mixed-version clusters)', (t) => {
  t.deepEqual(
    new Hash64().string('node-1').uint(42).digest(),
    new Hash64().string('node-1').uint(42).digest(),
  );
  t.deepEqual(new Hash64().digest(), [1307940434, 4203942147]);
  t.deepEqual(new Hash64().string('').digest(), [1733949122, 1856073115]);
  t.deepEqual(
    new Hash64()
      .string('node-1')
      .uint(2 ** 40 + 3)
      .bytes(Uint8Array.of(1, 2, 3, 4, 5))
      .digest(),
    [3167416896, 1125413859],
  );
  t.is(hashKey('node-1'), 2507006967);
});

test('length prefixes keep field boundaries apart', (t) => {
  t.notDeepEqual(
    new Hash64().string('ab').string('c').digest(),
    new Hash64().string('a').string('bc').digest(),
  );
  t.notDeepEqual(new Hash64().bytes(Uint8Array.of(0)).digest(), new Hash64().bytes(Uint8Array.of()).digest());
  t.notDeepEqual(new Hash64().uint(1).digest(), new Hash64().uint(2 ** 32).digest());
});

test('lanes are unsigned 32-bit and one-bit changes avalanche', (t) => {
  let flipped = 0;
  const n = 2000;
  for (let i = 0; i < n; i++) {
    const [a, b] = new Hash64().uint(i).digest();
    const [c, d] = new Hash64().uint(i ^ 1).digest();
    t.true(a >= 0 && a <= 0xffffffff && b >= 0 && b <= 0xffffffff);
    flipped += popcount(a ^ c) + popcount(b ^ d);
  }
  const mean = flipped / n;
  t.true(mean > 30 && mean < 34, `mean flipped bits ${mean}, expected ~32 of 64`);
});

test('hashKey spreads keys evenly over buckets', (t) => {
  const buckets = new Array<number>(64).fill(0);
  const n = 64_000;
  for (let i = 0; i < n; i++) buckets[hashKey(`node-${i}`) & 63]!++;
  const expected = n / 64;
  const chi2 = buckets.reduce((s, x) => s + (x - expected) ** 2 / expected, 0);
  // 63 degrees of freedom: chi2 above 110 has probability < 0.0002 for a uniform hash.
  t.true(chi2 < 110, `chi2 ${chi2}`);
});

function popcount(x: number): number {
  let c = 0;
  for (let v = x >>> 0; v !== 0; v &= v - 1) c++;
  return c;
}
