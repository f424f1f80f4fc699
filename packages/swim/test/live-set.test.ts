import test from 'ava';
import { Rng } from '@trellis/runtime';
import { LiveSet } from '../src/live-set.js';
import { ProbeOrder } from '../src/probe-order.js';

test('live set: confirmed and unconfirmed members are sampled apart, confirm moves one across', (t) => {
  const live = new LiveSet();
  const rng = Rng.fromSeed(7);
  for (let i = 0; i < 1000; i++) t.true(live.add(`u${i}`, false));
  t.true(live.add('c1', true));
  t.true(live.add('c2', true));
  t.false(live.add('c1', false), 'already up');
  t.is(live.size, 1002);
  t.is(live.confirmedSize, 2);
  // Two confirmed members among a thousand unconfirmed ones are both found, at once.
  t.deepEqual(live.sampleConfirmed(rng, 3).sort(), ['c1', 'c2']);
  t.true(live.sampleUnconfirmed(rng, 3).every((id) => id.startsWith('u')));
  live.confirm('u5');
  live.confirm('nobody');
  t.deepEqual(live.confirmedIds().sort(), ['c1', 'c2', 'u5']);
  t.is(live.size, 1002);
  t.true(live.remove('u5'));
  t.false(live.remove('u5'));
  t.false(live.has('u5'));
  t.is(live.size, 1001);
  t.deepEqual(live.confirmedIds().sort(), ['c1', 'c2']);
});

test('live set: a sample holds distinct members, drawn uniformly', (t) => {
  const live = new LiveSet();
  const rng = Rng.fromSeed(11);
  for (let i = 0; i < 100; i++) live.add(`c${i}`, true);
  const hits = new Map<string, number>();
  for (let round = 0; round < 10_000; round++) {
    const s = live.sampleConfirmed(rng, 3);
    t.is(new Set(s).size, 3);
    for (const id of s) hits.set(id, (hits.get(id) ?? 0) + 1);
  }
  // 300 expected per member; a member drawn under 200 or over 400 times is no uniform draw.
  t.is(hits.size, 100);
  t.true(
    [...hits.values()].every((h) => h > 200 && h < 400),
    JSON.stringify([...hits.values()]),
  );
});

test('probe order: members added mid-round are probed once in it, at a uniform position', (t) => {
  const rng = Rng.fromSeed(3);
  const positions = new Array<number>(11).fill(0);
  for (let trial = 0; trial < 5000; trial++) {
    const order = new ProbeOrder(rng);
    const members = Array.from({ length: 10 }, (_, i) => `m${i}`);
    const probed: string[] = [];
    probed.push(
      order.next(
        () => true,
        () => members.slice(),
      )!,
    );
    order.add('new');
    for (let i = 0; i < 10; i++)
      probed.push(
        order.next(
          () => true,
          () => [],
        )!,
      );
    // One round: each of the ten, and the newcomer, exactly once.
    t.is(new Set(probed).size, 11);
    positions[probed.indexOf('new')]!++;
  }
  // The newcomer goes after the member probed already: positions 1 to 10, about 500 times each.
  t.is(positions[0], 0);
  t.true(
    positions.slice(1).every((p) => p > 400 && p < 600),
    JSON.stringify(positions),
  );
});
