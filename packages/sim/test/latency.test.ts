import test from 'ava';
import { ConfigProblems, Rng } from '@trellis/runtime';
import { checkLatency, latency, sampleLatency, type LatencyDistribution } from '../src/latency.js';

const mean = (d: LatencyDistribution, n = 20_000): number => {
  const rng = Rng.fromSeed(11);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const x = sampleLatency(d, rng);
    if (x < 0) throw new Error(`negative sample ${x}`);
    sum += x;
  }
  return sum / n;
};

test('each distribution has the expected mean and never goes below zero', (t) => {
  t.is(mean(latency.constant(3)), 3);
  t.true(Math.abs(mean(latency.uniform(1, 3)) - 2) < 0.05);
  t.true(Math.abs(mean(latency.exponential(1, 4)) - 5) < 0.15);
  t.true(Math.abs(mean(latency.normal(10, 2)) - 10) < 0.1);
  t.true(mean(latency.normal(0, 5)) > 0); // clipped at 0, so the mean moves up
  const logMedian = (() => {
    const rng = Rng.fromSeed(2);
    const xs = Array.from({ length: 5_001 }, () => sampleLatency(latency.lognormal(4, 0.5), rng)).sort(
      (a, b) => a - b,
    );
    return xs[2_500]!;
  })();
  t.true(Math.abs(logMedian - 4) < 0.15);
});

test('uniform stays within its bounds', (t) => {
  const rng = Rng.fromSeed(5);
  for (let i = 0; i < 1_000; i++) {
    const x = sampleLatency(latency.uniform(0.2, 2), rng);
    t.true(x >= 0.2 && x < 2);
  }
});

test('checkLatency reports every problem', (t) => {
  const p = new ConfigProblems();
  checkLatency(p, 'a', { kind: 'uniform', minMs: 5, maxMs: 1 });
  checkLatency(p, 'b', { kind: 'constant', ms: -1 });
  checkLatency(p, 'c', { kind: 'gaussian' });
  checkLatency(p, 'd', 7);
  t.deepEqual(
    p.list.map((x) => x.path),
    ['a.maxMs', 'b.ms', 'c.kind', 'd'],
  );
});
