import test from 'ava';
import { note, setup } from './helpers/note-store.js';

test('our writes share one version clock per generation, so a key written again beats its old tombstone', (t) => {
  const { bed, store } = setup();
  t.like(store.put(0, 'a', '1'), { g: 100, v: 0 });
  t.like(store.put(0, 'b', '1'), { g: 100, v: 1 });
  t.like(store.remove(0, 'a'), { g: 100, v: 2, st: 1 });
  bed.advance(store, 200_000);
  t.is(store.table.get('me/a'), undefined, 'the tombstone was collected here');
  t.like(store.put(bed.now, 'a', '2'), { g: 100, v: 3 }, 'still above the tombstone elsewhere');
});

test('news about our live record is re-asserted above it; our broadcast carries the winner', (t) => {
  const { bed, store } = setup();
  store.put(0, 'a', 'mine');
  store.handleRecord(0, 'x:1', note('me', 'a', 100, 7, { x: 'forged' }));
  t.like(store.table.get('me/a'), { x: 'mine', g: 100, v: 8 });
  t.is(bed.broadcasts.at(-1)?.msg, store.table.get('me/a'));
});

test('a live record of our previous life is adopted, then withdrawn at our generation unless published', (t) => {
  const { bed, store } = setup();
  store.handleRecord(0, 'x:1', note('me', 'old', 50, 9));
  store.handleRecord(0, 'x:1', note('me', 'kept', 50, 3));
  bed.advance(store, 20);
  t.is(store.view.size, 2, 'adopted records stay in the view');
  store.put(bed.now, 'kept', 'again');
  bed.advance(store, 600);
  t.like(store.table.get('me/old'), { g: 100, st: 1 });
  t.like(store.table.get('me/kept'), { g: 100, st: 0, x: 'again' });
});

test('a record under our name that we do not publish is withdrawn above it', (t) => {
  const { store } = setup();
  store.handleRecord(0, 'x:1', note('me', 'ghost', 300, 4));
  t.like(store.table.get('me/ghost'), { g: 300, v: 5, st: 1 });
});

test('remote owners: visible while up, for graceMs once dead, gone once left; reaped and refused after', (t) => {
  const { bed, store } = setup();
  for (const w of ['up', 'dies', 'leaves']) {
    bed.member(w, 'alive', 100);
    store.handleRecord(0, 'x:1', note(w, 'k', 100, 0));
  }
  bed.advance(store, 20);
  t.is(store.view.size, 3);
  bed.memberChanged(store, 'dies', 'dead', 100);
  bed.memberChanged(store, 'leaves', 'left', 100);
  bed.advance(store, 50);
  t.deepEqual([...store.view.values()].map((n) => n.w).sort(), ['dies', 'up']);
  bed.advance(store, 130);
  t.deepEqual(
    [...store.view.values()].map((n) => n.w),
    ['up'],
    'grace over',
  );
  bed.advance(store, 61_000);
  t.is(store.table.get('leaves/k'), undefined, 'reaped');
  t.is(store.table.get('dies/k'), undefined, 'dead for reapMs: reaped');
  store.handleRecord(bed.now, 'x:1', note('dies', 'k', 100, 1));
  t.is(store.stats().rejected['ownerGone'], 1);
});

test('leave withdraws everything we publish', (t) => {
  const { store } = setup();
  store.put(0, 'a', '1');
  store.put(0, 'b', '1');
  store.leave(0);
  t.like(store.table.get('me/a'), { st: 1 });
  t.like(store.table.get('me/b'), { st: 1 });
});

test('a departed owner’s withdrawal replaces a copy we hold, but is not taken for a key we do not hold', (t) => {
  const { bed, store } = setup();
  bed.member('leaves', 'alive', 100);
  store.handleRecord(0, 'x:1', note('leaves', 'a', 100, 0));
  bed.memberChanged(store, 'leaves', 'left', 100);
  store.handleRecord(0, 'x:1', note('leaves', 'a', 100, 1, { st: 1 }));
  t.like(store.table.get('leaves/a'), { v: 1, st: 1 }, 'its last word replaces the live copy');
  // Every replica reaps at its own sweep; taking a tombstone back from one that has not yet
  // (and relaying it) would keep it going round the cluster for ever.
  store.handleRecord(0, 'slow:1', note('leaves', 'b', 100, 2, { st: 1 }));
  t.is(store.table.get('leaves/b'), undefined, 'not taken for a key we do not hold');
  t.is(store.stats().rejected['ownerGone'], 1);
});

test('a collected tombstone offered again by a slower replica is not taken back, nor withdrawn again', (t) => {
  const { bed, store } = setup();
  bed.member('p', 'alive', 100);
  store.put(0, 'a', '1');
  const ours = store.remove(0, 'a')!;
  store.handleRecord(0, 'p:1', note('p', 'b', 100, 0));
  const theirs = note('p', 'b', 100, 1, { st: 1 });
  store.handleRecord(0, 'p:1', theirs);
  bed.advance(store, 61_000);
  t.is(store.table.get('me/a'), undefined, 'our tombstone collected after its TTL');
  t.is(store.table.get('p/b'), undefined, 'a peer’s too');
  const sent = bed.broadcasts.length;
  // A replica that got them later still holds them and offers them in a push-pull.
  store.handleRecord(bed.now, 'slow:1', ours);
  store.handleRecord(bed.now, 'slow:1', theirs);
  t.is(store.table.get('me/a'), undefined, 'ours not taken back');
  t.is(store.table.get('p/b'), undefined, 'theirs not taken back');
  // Re-asserting the withdrawal above it would flood a new tombstone, collected a TTL later and
  // offered back again by the slowest replica: a tombstone that never dies.
  t.is(bed.broadcasts.length, sent, 'no new withdrawal sent');
  t.like(store.put(bed.now, 'a', '2'), { g: 100, v: 2, st: 0 }, 'a new write still beats it');
});

test('records of an owner nobody knows are reaped after reapMs, and not taken back from a slower replica', (t) => {
  const { bed, store } = setup();
  // Benefit of the doubt: its member record may be on its way.
  store.handleRecord(0, 'x:1', note('ghost', 'k', 100, 0));
  t.truthy(store.table.get('ghost/k'));
  bed.advance(store, 61_000);
  t.is(store.table.get('ghost/k'), undefined, 'reaped');
  // Replicas reap at their own sweeps: one that has not yet offers it back. Taken (and relayed),
  // it would go round the cluster for ever.
  store.handleRecord(bed.now, 'slow:1', note('ghost', 'k', 100, 0));
  t.is(store.table.get('ghost/k'), undefined, 'not taken back');
  t.is(store.stats().rejected['ownerGone'], 1);
  // Its owner turns up after all (a long partition healed): its records are taken again.
  bed.member('ghost', 'alive', 100);
  store.handleRecord(bed.now, 'slow:1', note('ghost', 'k', 100, 0));
  t.truthy(store.table.get('ghost/k'));
});
