import test from 'ava';
import { InvalidArgumentError, LimitError } from '@trellis/runtime';
import { StoreTestbed } from '@trellis/store/testbed';
import { parseKvConfig, type KvConfig } from '../src/kv-config.js';
import type { KvChanged, KvEvent } from '../src/kv-entry.js';
import type { OwnedKvWire } from '../src/kv-record.js';
import { OwnedKvStore } from '../src/owned-kv-store.js';
import { encodeValue } from '../src/kv-value.js';

function setup(config: Partial<KvConfig> = {}) {
  const bed = new StoreTestbed({ selfId: 'me', generation: 100 });
  const store = new OwnedKvStore(
    bed.context('kv:inv'),
    'v:inv',
    parseKvConfig({ recomputeDelayMs: 10, ...config }),
  );
  const changes = (): KvChanged[] =>
    bed.events<KvEvent>(store).filter((e): e is KvChanged => e.type === 'kvChanged');
  return { bed, store, changes };
}

const peer = (w: string, k: string, value: unknown, v = 0): OwnedKvWire => ({
  t: 'v:inv',
  w,
  k,
  g: 100,
  v,
  st: 0,
  d: encodeValue(value, 1024),
});

test('set, get, entries and delete for our own keys, with change events', (t) => {
  const { bed, store, changes } = setup();
  store.set(0, 'cpu', { cores: 4 });
  t.deepEqual(store.get('cpu'), { cores: 4 });
  bed.advance(store, 20);
  t.deepEqual(store.entries(), [{ key: 'cpu', value: { cores: 4 }, owner: 'me' }]);
  t.deepEqual(changes()[0]?.added, [{ key: 'cpu', value: { cores: 4 }, owner: 'me' }]);
  store.set(bed.now, 'cpu', { cores: 8 });
  bed.advance(store, 40);
  t.deepEqual(
    changes()[0]?.changed.map(([a, b]) => [a.value, b.value]),
    [[{ cores: 4 }, { cores: 8 }]],
  );
  t.true(store.delete(bed.now, 'cpu'));
  t.false(store.delete(bed.now, 'cpu'), 'nothing left to delete');
  bed.advance(store, 60);
  t.is(changes()[0]?.removed.length, 1);
  t.is(store.get('cpu'), undefined);
});

test('peers’ entries: visible while their owner lives, for graceMs once dead, gone once it left', (t) => {
  const { bed, store } = setup({ graceMs: 100, reapMs: 1000 });
  bed.member('a', 'alive');
  bed.member('b', 'alive');
  store.handleRecord(0, 'a:1', peer('a', 'x', 1));
  store.handleRecord(0, 'b:1', peer('b', 'x', 2));
  bed.advance(store, 20);
  t.is(store.get('x', 'a'), 1);
  t.is(store.get('x', 'b'), 2);
  t.is(store.get('x'), undefined, 'our own entry under x: none');
  bed.memberChanged(store, 'a', 'dead');
  bed.memberChanged(store, 'b', 'left');
  bed.advance(store, 50);
  t.deepEqual(
    store.entries().map((e) => e.owner),
    ['a'],
  );
  bed.advance(store, 200);
  t.deepEqual(store.entries(), [], 'a dead owner leaves the view once its grace is over');
});

test('a dead owner leaves the view when its grace ends, even if another change came in between', (t) => {
  // The view is patched: a recompute for some other key must not drop the end of a grace.
  const { bed, store } = setup({ graceMs: 1000, reapMs: 600_000 });
  bed.member('a', 'alive');
  store.handleRecord(0, 'a:1', peer('a', 'x', 1));
  bed.advance(store, 20);
  bed.memberChanged(store, 'a', 'dead');
  bed.advance(store, 40);
  t.is(store.get('x', 'a'), 1, 'visible during the grace period');
  store.set(bed.now, 'mine', 1);
  bed.advance(store, 100);
  bed.advance(store, 2000);
  t.deepEqual(
    store.entries().map((e) => e.owner),
    ['me'],
    'the dead owner left the view when its grace ended',
  );
});

test('local bounds throw typed errors and change nothing', (t) => {
  const { store } = setup({ valueBytesMax: 16, ownKeysMax: 2, keyLengthMax: 4 });
  t.throws(() => store.set(0, 'k', 'x'.repeat(40)), { instanceOf: LimitError, message: /valueBytesMax/ });
  t.throws(() => store.set(0, 'toolong', 1), { instanceOf: InvalidArgumentError });
  t.throws(() => store.set(0, 'k', undefined), { instanceOf: InvalidArgumentError });
  t.throws(() => store.set(0, 'k', () => 1), { instanceOf: InvalidArgumentError, message: /not plain data/ });
  store.set(0, 'a', 1);
  store.set(0, 'b', 1);
  const e = t.throws(() => store.set(0, 'c', 1), { instanceOf: LimitError });
  t.is(e?.limit, 'ownKeysMax');
  store.set(0, 'a', 2);
  t.is(store.get('a'), 2, 'updating a held key is within the bound');
  t.is(store.stats().local, 2);
});

test('peer records over a bound or malformed are counted drops, never thrown', (t) => {
  const { store } = setup({ valueBytesMax: 16, recordsMax: 2 });
  const hostile = new Proxy(
    {},
    {
      get: () => {
        throw new Error('boom');
      },
    },
  );
  const bad: unknown[] = [
    null,
    hostile,
    { ...peer('a', 'x', 1), t: 'v:other' },
    { ...peer('a', 'x', 1), d: 'not bytes' },
    { ...peer('a', 'x', 1), d: new Uint8Array(17) },
    { ...peer('a', 'x', 1), d: Uint8Array.of(0xc1) },
    { ...peer('a', 'x', 1), st: 1 },
    { ...peer('a', '', 1) },
  ];
  for (const r of bad) t.notThrows(() => store.handleRecord(0, 'evil:1', r));
  store.handleRecord(0, 'a:1', peer('a', 'x', 1));
  store.handleRecord(0, 'a:1', peer('a', 'y', 1));
  store.handleRecord(0, 'a:1', peer('a', 'z', 1));
  t.deepEqual(store.stats().rejected, {
    malformed: 3,
    invalidValue: 3,
    valueTooLarge: 1,
    invalidKey: 1,
    tableFull: 1,
  });
  t.is(store.table.size, 2);
});

test('a value with a __proto__ key is refused: msgpack readers rename or drop that key', (t) => {
  const { store } = setup();
  const value: unknown = JSON.parse('{"a": [{"__proto__": {"polluted": 1}}]}');
  t.throws(() => store.set(0, 'k', value), { instanceOf: InvalidArgumentError, message: /__proto__/ });
  t.is(store.get('k'), undefined);
  store.set(0, 'k', { proto: 1, __proto_: 2 });
  t.deepEqual(store.get('k'), { proto: 1, __proto_: 2 });
});

test('config: ownKeysMax may not exceed recordsPerOwnerMax (peers would refuse the rest)', (t) => {
  t.like(parseKvConfig(), { recordsPerOwnerMax: 20_000, ownKeysMax: 10_000, clockSkewMaxMs: 3_600_000 });
  const error = t.throws(() => parseKvConfig({ ownKeysMax: 11, recordsPerOwnerMax: 10 }));
  t.regex(error?.message ?? '', /ownKeysMax.*recordsPerOwnerMax/s);
});
