import test from 'ava';
import { Rng } from '@trellis/runtime';
import { EventQueue, SimEvent } from '../src/event-queue.js';

const at = (t: number, tag: number): SimEvent => {
  const ev = new SimEvent();
  ev.at = t;
  ev.from = tag;
  return ev;
};

test('pops in time order; equal times in the order they were pushed', (t) => {
  const q = new EventQueue();
  const rng = Rng.fromSeed(3);
  const pushed: { t: number; tag: number }[] = [];
  for (let i = 0; i < 2_000; i++) {
    const time = rng.int(0, 50); // many ties
    pushed.push({ t: time, tag: i });
    q.push(at(time, i));
  }
  const popped: { t: number; tag: number }[] = [];
  for (let ev = q.pop(); ev !== undefined; ev = q.pop()) popped.push({ t: ev.at, tag: ev.from });
  const expected = pushed.slice().sort((x, y) => x.t - y.t || x.tag - y.tag);
  t.deepEqual(popped, expected);
  t.is(q.size, 0);
});

test('peek shows the next event without removing it', (t) => {
  const q = new EventQueue();
  t.is(q.peek(), undefined);
  q.push(at(5, 1));
  q.push(at(2, 2));
  t.is(q.peek()?.from, 2);
  t.is(q.size, 2);
  t.is(q.pop()?.from, 2);
  t.is(q.pop()?.from, 1);
  t.is(q.pop(), undefined);
});
