import test from 'ava';
import { versionMax } from '../src/record-bounds.js';
import { note, setup } from './helpers/note-store.js';

const hour = 3_600_000;
const max = Number.MAX_SAFE_INTEGER;

test('a peer record whose generation is more than clockSkewMaxMs ahead is refused, about anyone', (t) => {
  const { bed, store } = setup();
  bed.member('peer', 'alive');
  store.put(0, 'a', 'mine');
  for (const w of ['peer', 'me']) {
    store.handleRecord(0, 'x:1', note(w, 'a', max, max, { x: 'forged' }));
    store.handleRecord(0, 'x:1', note(w, 'a', hour + 1, 0, { x: 'forged' }));
  }
  t.like(store.table.get('me/a'), { x: 'mine', g: 100, v: 0 }, 'nothing to re-assert');
  t.is(store.table.get('peer/a'), undefined);
  t.is(store.stats().rejected.clockSkew, 4);
  store.handleRecord(0, 'x:1', note('peer', 'a', hour, 0));
  t.like(store.table.get('peer/a'), { g: hour }, 'at the bound it is taken');
});

test('clockSkewMaxMs is a setting', (t) => {
  const { bed, store } = setup({ clockSkewMaxMs: 0 });
  bed.member('peer', 'alive');
  store.handleRecord(0, 'x:1', note('peer', 'a', 1, 0));
  t.is(store.stats().rejected.clockSkew, 1);
});

test('a peer record above the version ceiling is refused; the owner re-asserts above one at it', (t) => {
  const { bed, store } = setup();
  bed.member('peer', 'alive');
  store.put(0, 'a', 'mine');
  store.handleRecord(0, 'x:1', note('me', 'a', 100, versionMax + 1, { x: 'forged' }));
  store.handleRecord(0, 'x:1', note('peer', 'a', 100, max));
  t.is(store.stats().rejected.versionCeiling, 2);
  t.like(store.table.get('me/a'), { x: 'mine', v: 0 });
  // At the ceiling it is taken, so we must get above it without passing the ceiling ourselves.
  store.handleRecord(0, 'x:1', note('me', 'a', 100, versionMax, { x: 'forged' }));
  const mine = store.table.get('me/a');
  t.like(mine, { x: 'mine', g: 101, v: 0 }, 'the next generation, version 0');
  t.is(bed.broadcasts.at(-1)?.msg, mine);
  // Other keys are not dragged along: the version clock of our generation stays below the ceiling.
  t.like(store.put(0, 'b', '1'), { g: 100, v: 1 });
  t.like(store.put(0, 'a', 'again'), { g: 101, v: 1 });
});

test('a forged record at the ceiling an hour ahead under our name is still outranked by ours', (t) => {
  const { store } = setup();
  store.put(0, 'a', 'mine');
  store.handleRecord(0, 'x:1', note('me', 'a', hour, versionMax, { x: 'forged' }));
  t.like(store.table.get('me/a'), { x: 'mine', g: hour + 1, v: 0 });
  store.handleRecord(0, 'x:1', note('me', 'ghost', hour, versionMax));
  t.like(
    store.table.get('me/ghost'),
    { st: 1, g: hour + 1, v: 0 },
    'a key we do not publish: withdrawn above',
  );
});

test('records per owner are capped: a peer owner’s new keys past recordsPerOwnerMax are refused', (t) => {
  const { bed, store } = setup({ recordsPerOwnerMax: 3 });
  bed.member('peer', 'alive');
  bed.member('other', 'alive');
  for (const k of ['a', 'b', 'c', 'd', 'e']) store.handleRecord(0, 'x:1', note('peer', k, 100, 0));
  t.is(store.stats().rejected.ownerFull, 2);
  t.deepEqual(
    [...store.table.all()].map((r) => r.k),
    ['a', 'b', 'c'],
  );
  store.handleRecord(0, 'x:1', note('peer', 'a', 100, 1, { st: 1 }));
  t.like(store.table.get('peer/a'), { v: 1, st: 1 }, 'a key it holds still changes');
  store.handleRecord(0, 'x:1', note('other', 'a', 100, 0));
  t.truthy(store.table.get('other/a'), 'another owner is not affected');
  bed.advance(store, 200_000); // the tombstone is collected: room for one more key
  store.handleRecord(bed.now, 'x:1', note('peer', 'd', 100, 0));
  t.truthy(store.table.get('peer/d'));
});
