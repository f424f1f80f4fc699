import test from 'ava';
import { mergeSliceRecords } from '../src/merge-slices.js';
import { CoreNet } from './helpers/core-net.js';

/**
 * Issue 12: no input may hold the event loop for long. A full state of many thousand records
 * (a join of a large cluster) is merged in slices of `mergeSliceRecords`, one per timer turn at
 * the same instant, so the driver's other I/O runs between them; order is kept.
 */
function coreWithSection() {
  const net = new CoreNet();
  net.add('a');
  const a = net.core('a');
  const batches: { section: string; size: number }[] = [];
  const merged: unknown[] = [];
  for (const name of ['first', 'second'])
    a.addSection({
      name,
      digest: () => a.table.digest(),
      records: () => [],
      allRecords: () => [],
      merge: (_now, _from, records) => {
        batches.push({ section: name, size: records.length });
        merged.push(...records);
      },
    });
  return { net, a, batches, merged };
}

test('a join request of 5,500 records is merged in slices, in order, each slice one timer turn', (t) => {
  const { net, a, batches, merged } = coreWithSection();
  const first = Array.from({ length: 2_500 }, (_, i) => ({ n: i }));
  const second = Array.from({ length: 3_000 }, (_, i) => ({ n: 2_500 + i }));
  const reply = a.handleRequest(net.now, 'x:1', { t: 'join', x: { first, second } }) as { t: string };
  t.is(reply.t, 'joinr', 'the joiner is answered at once');
  t.is(merged.length, mergeSliceRecords, 'one slice merged with the request');
  let turns = 0;
  while (a.pollTimeout() === net.now && turns < 100) {
    a.handleTimeout(net.now);
    turns++;
  }
  t.is(turns, Math.ceil(5_500 / mergeSliceRecords) - 1, 'the rest, one slice per turn at the same instant');
  t.deepEqual(merged, [...first, ...second], 'every record once, in order');
  t.true(batches.every((b) => b.size <= mergeSliceRecords));
  const perTurn = new Map<number, number>();
  let turn = 0;
  let used = 0;
  for (const b of batches) {
    if (used + b.size > mergeSliceRecords) {
      turn++;
      used = 0;
    }
    used += b.size;
    perTurn.set(turn, (perTurn.get(turn) ?? 0) + b.size);
  }
  t.true(
    [...perTurn.values()].every((n) => n <= mergeSliceRecords),
    'no turn merges more than a slice',
  );
  t.true(
    batches.findIndex((b) => b.section === 'second') > batches.findLastIndex((b) => b.section === 'first'),
    'sections in the order they came',
  );
});

test('a small merge is done in the same input, with no timer left behind', (t) => {
  const { net, a, merged } = coreWithSection();
  a.handleRequest(net.now, 'x:1', { t: 'join', x: { first: [{ n: 1 }], second: [{ n: 2 }] } });
  t.deepEqual(merged, [{ n: 1 }, { n: 2 }]);
  t.not(a.pollTimeout(), net.now);
});
