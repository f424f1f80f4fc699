/** The peers table: ratios per repetition against memberlist's rows of the same run. */
import test from 'ava';
import type { ResultLine } from '../src/results.js';
import { comparisons, latestPeersRun } from '../src/udp-comparison.js';

const join = (impl: string, rep: number, converge: number, run = 'r1'): ResultLine => ({
  impl,
  scenario: 'join',
  profile: 'lan',
  n: 16,
  rep,
  run,
  ms: { converge },
  bytesPerNode: 1000,
});

test('a ratio is taken per repetition, its median reported with the min-max', (t) => {
  const lines = [
    join('memberlist', 1, 400),
    join('trellis', 1, 100),
    join('memberlist', 2, 1000),
    join('trellis', 2, 400),
    join('memberlist', 3, 500),
    join('trellis', 3, 150),
  ];
  const c = comparisons(lines).find((x) => x.metric === 'join.converge' && x.impl === 'trellis')!;
  // Per-rep ratios 0.25, 0.4, 0.3: the median of ratios, not the ratio of medians (150 / 500).
  t.is(c.ratio, 0.3);
  t.deepEqual(c.spread, [0.25, 0.4]);
  t.is(c.ours, 150);
  t.is(c.theirs, 500);
  t.is(c.met, 'yes');
  t.deepEqual(c.runs, [3, 3]);
});

test('without memberlist rows there is no ratio and no verdict against a ratio target', (t) => {
  const c = comparisons([join('trellis', 1, 100)]).find((x) => x.metric === 'join.converge')!;
  t.is(c.ratio, undefined);
  t.is(c.met, 'no peer');
});

test('a zero target holds in every repetition: one false death fails it', (t) => {
  const churn = (impl: string, rep: number, load: number): ResultLine => ({
    impl,
    scenario: 'churn-fp',
    profile: 'lan',
    n: 64,
    rep,
    run: 'r1',
    falseDeaths: { idle: 0, load },
  });
  const lines = [churn('memberlist', 1, 3), churn('trellis', 1, 0), churn('trellis', 2, 1)];
  const c = comparisons(lines).find((x) => x.metric === 'churn.falseDeaths' && x.impl === 'trellis')!;
  t.is(c.ours, 1);
  t.is(c.met, 'NO');
});

test('a run that missed a node has no time: its repetition counts as failed', (t) => {
  const fail = (impl: string, missed: number): ResultLine => ({
    impl,
    scenario: 'fail',
    profile: 'lan',
    n: 16,
    rep: 1,
    run: 'r1',
    missed,
    ms: { first: 1000, median: 1000, max: 1000 },
  });
  const c = comparisons([fail('memberlist', 0), fail('trellis', 1)]).find((x) => x.metric === 'fail.max')!;
  t.is(c.met, 'NO (failed runs)');
  t.deepEqual(c.runs, [0, 1]);
});

test('the report takes the newest run only', (t) => {
  const lines = [
    join('trellis', 1, 100, '2026-01-01T00:00:00Z'),
    join('trellis', 1, 200, '2026-01-02T00:00:00Z'),
  ];
  t.deepEqual(
    latestPeersRun(lines).map((l) => (l.ms as { converge: number }).converge),
    [200],
  );
});
