import test from 'ava';
import { seedFromEnv, withSeed } from '../src/seeds.js';

test('seedFromEnv reads SEED or falls back to the default', (t) => {
  const saved = process.env['SEED'];
  try {
    delete process.env['SEED'];
    t.is(seedFromEnv(42), 42);
    process.env['SEED'] = '1234';
    t.is(seedFromEnv(42), 1234);
    process.env['SEED'] = 'abc';
    t.throws(() => seedFromEnv(42), { instanceOf: RangeError });
  } finally {
    if (saved === undefined) delete process.env['SEED'];
    else process.env['SEED'] = saved;
  }
});

test('withSeed logs the seed on a failure, sync or async, and stays quiet on success', async (t) => {
  const logs: unknown[] = [];
  const log = { log: (...a: unknown[]) => logs.push(...a) };
  t.is(
    withSeed(log, 5, (s) => s * 2),
    10,
  );
  t.deepEqual(logs, []);
  t.throws(() =>
    withSeed(log, 6, () => {
      throw new Error('boom');
    }),
  );
  t.deepEqual(logs, ['SEED=6 replays this run']);
  await t.throwsAsync(withSeed(log, 7, () => Promise.reject(new Error('later'))));
  t.deepEqual(logs, ['SEED=6 replays this run', 'SEED=7 replays this run']);
});
