import test from 'ava';
import { taskKey } from '../src/task-record.js';
import { adoptWindowMs, graceMs, harness, remote, web } from './helpers/task-harness.js';

test('after a restart, our previous life tasks stay until re-registered or the window closes', (t) => {
  const h = harness();
  const old = (i: string) => remote('self', i, { g: 500, v: 2, n: i });
  h.store.handleRecord(h.now, 'x:1', old('kept'));
  h.store.handleRecord(h.now, 'x:1', old('gone'));
  h.advance(100);
  t.deepEqual(h.names(), ['self/gone', 'self/kept'], 'adopted: names do not blink');
  t.is(h.broadcasts.length, 2);

  h.store.publish(h.now, { ...web, id: 'kept', name: 'kept' });
  t.like(h.broadcasts.at(-1)?.msg, { i: 'kept', g: 1000, v: 0, st: 0 });
  h.advance(adoptWindowMs + 1000);
  t.deepEqual(h.names(), ['self/kept']);
  // The tombstone is written at our generation: no old-life copy can outrank it.
  t.like(h.broadcasts.at(-1)?.msg, { i: 'gone', g: 1000, st: 1 });
  t.deepEqual(
    h.store.local().map((e) => e.id),
    ['kept'],
  );
});

test('a withdrawn task of our previous life never comes back from a stale replica', (t) => {
  const h = harness();
  h.store.handleRecord(h.now, 'x:1', remote('self', 'old', { g: 500, v: 2 }));
  h.advance(adoptWindowMs + 1000);
  t.deepEqual(h.names(), []);
  // A replica that missed versions 3 and 4 of the old life still holds version 5.
  h.store.handleRecord(h.now, 'x:1', remote('self', 'old', { g: 500, v: 5 }));
  h.advance(h.now + 1000);
  t.deepEqual(h.names(), []);
  t.like(h.store.table.get(taskKey('self', 'old')), { g: 1000, st: 1 });
});

test('records of owners gone for good are dropped and refused; live owners are untouched', (t) => {
  const reapMs = 120_000;
  const h = harness({ config: { graceMs, adoptWindowMs, reapMs } });
  for (const w of ['alive', 'left', 'dead']) h.member(w, 'alive');
  for (const w of ['alive', 'left', 'dead', 'unknown']) h.store.handleRecord(h.now, 'x:1', remote(w, 't'));
  h.advance(100);
  h.member('left', 'left');
  h.member('dead', 'dead');
  h.advance(61_000); // first sweep: the departed owner's record goes
  t.is(h.store.stats().records, 3);
  h.store.handleRecord(h.now, 'x:1', remote('left', 't2'));
  t.is(h.store.stats().rejected.ownerGone, 1, 'refused while its owner is gone');
  h.advance(h.now + reapMs + 60_000);
  t.deepEqual(
    [...h.store.table.all()].map((r) => r.w),
    ['alive'],
    'the long-dead and the long-unknown owners are dropped too',
  );
  t.is(h.store.stats().reaped, 3);
  h.member('dead', 'alive');
  h.store.handleRecord(h.now, 'x:1', remote('dead', 't', { g: 2 }));
  t.is(h.store.stats().records, 2, 'an owner that comes back is admitted again');
});
