import test from 'ava';
import {
  Awareness,
  Suspicion,
  confirmationsExpected,
  suspicionMinMs,
  suspicionTimeout,
} from '../src/index.js';

test('suspicion min scales with log10 N and the probe interval', (t) => {
  t.is(suspicionMinMs(4, 100, 1000), 8000);
  t.is(suspicionMinMs(4, 5, 1000), 4000); // max(1, log10 5)
  t.is(suspicionMinMs(4, 1000, 1000), 12_000);
});

test('the timeout shrinks from max to min as confirmations arrive (log-scaled)', (t) => {
  t.is(suspicionTimeout(0, 3, 8000, 48_000), 48_000);
  const one = suspicionTimeout(1, 3, 8000, 48_000);
  const two = suspicionTimeout(2, 3, 8000, 48_000);
  t.true(one < 48_000 && two < one && two > 8000);
  t.is(suspicionTimeout(3, 3, 8000, 48_000), 8000);
  t.is(suspicionTimeout(10, 3, 8000, 48_000), 8000);
  t.is(suspicionTimeout(0, 0, 8000, 48_000), 8000, 'k = 0: a fixed timeout of min');
});

test('only independent confirmations count', (t) => {
  const s = new Suspicion({ incarnation: 3, startedAt: 1000, from: 'a', minMs: 8000, maxMs: 48_000, k: 2 });
  t.is(s.deadline, 49_000);
  t.false(s.confirm('a'), 'the accuser itself');
  t.true(s.confirm('b'));
  t.false(s.confirm('b'), 'twice from b');
  t.true(s.confirm('c'));
  t.is(s.confirmations, 2);
  t.is(s.deadline, 9000);
  t.false(s.confirm('d'), 'beyond k: nothing left to shrink, not worth re-gossiping');
});

test('awareness is clamped to [0, max - 1] and scales durations', (t) => {
  const a = new Awareness(8);
  t.is(a.scale(500), 500);
  a.apply(3);
  t.is(a.scale(500), 2000);
  a.apply(100);
  t.is(a.score, 7);
  a.apply(-100);
  t.is(a.score, 0);
});

test('a suspicion expects no more confirmations than the cluster has confirmers', (t) => {
  t.is(confirmationsExpected(3, 1), 0);
  t.is(confirmationsExpected(3, 2), 0, 'only the suspect and us: a fixed timeout of min');
  t.is(confirmationsExpected(3, 3), 1);
  t.is(confirmationsExpected(3, 5), 3);
  t.is(confirmationsExpected(3, 500), 3);
  t.is(confirmationsExpected(0, 500), 0);
});
