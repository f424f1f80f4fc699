import test from 'ava';
import { Hash64 } from '../src/entry-hash.js';
import { RegisterTable, type RegisterSchema } from '../src/register-table.js';

/** A minimal single-writer record: owner, key, version, tombstone flag, value. */
interface Rec {
  readonly w: string;
  readonly k: string;
  readonly v: number;
  readonly dead: boolean;
  readonly x: string;
}

const schema: RegisterSchema<Rec, 'malformed' | 'banned'> = {
  validate: (raw) => {
    const r = raw as Partial<Rec> | null;
    return typeof r?.w === 'string' && typeof r.k === 'string' && typeof r.v === 'number'
      ? { ok: true, record: r as Rec }
      : { ok: false, reason: 'malformed' };
  },
  key: (r) => `${r.w}.${r.k}`,
  owner: (r) => r.w,
  compare: (a, b) => (a.v !== b.v ? (a.v < b.v ? -1 : 1) : a.x === b.x ? 0 : a.x < b.x ? -1 : 1),
  hash: (r) => new Hash64(1).string(r.w).string(r.k).uint(r.v).string(r.x).digest(),
  isTombstone: (r) => r.dead,
};

const rec = (w: string, k: string, v: number, x = '', dead = false): Rec => ({ w, k, v, dead, x });

function table(recordsMax = 10) {
  const stored: string[] = [];
  const removed: string[] = [];
  const t = new RegisterTable(
    'me',
    schema,
    { recordsMax, tombstoneTtlMs: 1000, digestBuckets: 4 },
    {
      stored: (r, prev) => stored.push(`${r.w}.${r.k}@${r.v}${prev === undefined ? '' : ` over ${prev.v}`}`),
      removed: (r) => removed.push(`${r.w}.${r.k}`),
      admit: (r) => (r.w === 'banned' ? 'banned' : undefined),
    },
  );
  return { t, stored, removed };
}

test('the join keeps the greater record per key and reports what happened', (t) => {
  const { t: tab, stored } = table();
  t.like(tab.merge(rec('a', 'x', 1), 0), { kind: 'applied', previous: undefined });
  t.like(tab.merge(rec('a', 'x', 3), 0), { kind: 'applied', previous: { v: 1 } });
  t.like(tab.merge(rec('a', 'x', 2), 0), { kind: 'unchanged' });
  t.like(tab.merge(rec('a', 'x', 3), 0), { kind: 'unchanged' });
  t.like(tab.merge(rec('me', 'x', 1), 0), { kind: 'aboutSelf' }, 'ours: the caller decides');
  t.is(tab.get('me.x'), undefined);
  t.deepEqual(stored, ['a.x@1', 'a.x@3 over 1']);
  t.is(tab.size, 1);
});

test('invalid, refused and over-capacity records are counted by reason', (t) => {
  const { t: tab } = table(1);
  t.like(tab.merge({ nope: 1 }, 0), { kind: 'rejected', reason: 'malformed' });
  t.like(tab.merge(rec('banned', 'x', 1), 0), { kind: 'rejected', reason: 'banned' });
  t.like(tab.merge(rec('a', 'x', 1), 0), { kind: 'applied' });
  t.like(tab.merge(rec('b', 'x', 1), 0), { kind: 'rejected', reason: 'tableFull' });
  t.like(tab.merge(rec('a', 'x', 2), 0), { kind: 'applied' }, 'an existing key may still change');
  t.deepEqual(tab.rejected(), { malformed: 1, banned: 1, tableFull: 1 });
});

test('replicas holding the same records have the same digest, whatever the order', (t) => {
  const one = table().t;
  const two = table().t;
  const records = [rec('a', 'x', 1), rec('b', 'y', 2), rec('a', 'x', 4, 'z'), rec('c', 'q', 1)];
  for (const r of records) one.merge(r, 0);
  for (const r of [...records].reverse()) two.merge(r, 0);
  t.deepEqual(one.digest().root(), two.digest().root());
  two.merge(rec('c', 'q', 2), 0);
  t.notDeepEqual(one.digest().root(), two.digest().root());
});

test('a collected tombstone still beats what it beat for one more TTL, then is forgotten', (t) => {
  const { t: tab } = table();
  tab.merge(rec('a', 'x', 2, '', true), 0);
  tab.setOwn(rec('me', 'm', 2, '', true), 0);
  t.is(tab.collect(1000).length, 2);
  // A replica that collects later offers it back (or an older copy): not taken, so it cannot
  // bounce between replicas for ever.
  t.is(tab.merge(rec('a', 'x', 2, '', true), 1500).kind, 'unchanged');
  t.is(tab.merge(rec('a', 'x', 1), 1500).kind, 'unchanged');
  t.is(tab.merge(rec('me', 'm', 2, '', true), 1500).kind, 'unchanged', 'our own: not news either');
  t.is(tab.size, 0);
  t.is(tab.digest().size, 0, 'out of the digest');
  t.is(tab.merge(rec('a', 'x', 3), 1500).kind, 'applied', 'a newer write is taken');
  tab.merge(rec('a', 'x', 4, '', true), 1500);
  tab.collect(2500);
  tab.collect(3500);
  t.is(tab.merge(rec('a', 'x', 4, '', true), 3500).kind, 'applied', 'forgotten after one more TTL');
});

test('collect removes tombstones past the TTL; prune removes what the caller picks', (t) => {
  const { t: tab, removed } = table();
  tab.merge(rec('a', 'x', 1, '', true), 0);
  tab.merge(rec('a', 'y', 1), 0);
  tab.merge(rec('b', 'z', 1), 500);
  tab.setOwn(rec('me', 'm', 1), 0);
  t.deepEqual(tab.collect(999), []);
  t.deepEqual(
    tab.collect(1000).map((r) => r.k),
    ['x'],
  );
  t.deepEqual(
    tab.prune((r, since) => r.w !== 'me' && since < 100).map((r) => r.k),
    ['y'],
  );
  t.deepEqual(removed, ['a.x', 'a.y']);
  t.deepEqual([...tab.all()].map((r) => r.k).sort(), ['m', 'z']);
  t.is(tab.digest().size, 2, 'the digest follows');
});
