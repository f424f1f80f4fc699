import test from 'ava';
import { Trace } from '../src/trace.js';

const names = (i: number) => (i < 0 ? '<no host>' : `h${i}`);

test('keeps the last traceMax records, oldest first', (t) => {
  const trace = new Trace(3, names);
  for (let i = 0; i < 5; i++) trace.record(i, 'datagramDelivered', 0, 1, i * 10, 0);
  t.is(trace.count, 5);
  t.deepEqual(
    trace.entries().map((e) => [e.atMs, e.bytes, e.from, e.to, e.kind]),
    [
      [2, 20, 'h0', 'h1', 'datagramDelivered'],
      [3, 30, 'h0', 'h1', 'datagramDelivered'],
      [4, 40, 'h0', 'h1', 'datagramDelivered'],
    ],
  );
});

test('the hash covers every record, even those the ring dropped', (t) => {
  const run = (max: number, firstBytes: number) => {
    const trace = new Trace(max, names);
    trace.record(0.5, 'timerFired', 1, 1, firstBytes, 0);
    for (let i = 1; i < 10; i++) trace.record(i, 'requestSent', 0, -1, i, i);
    return trace.hash;
  };
  t.is(run(2, 0), run(2, 0));
  t.is(run(2, 0), run(0, 0)); // the ring size does not change the hash
  t.not(run(2, 0), run(2, 1));
  t.regex(run(2, 0), /^[0-9a-f]{16}$/);
});
