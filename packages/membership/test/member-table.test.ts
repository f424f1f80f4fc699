import test from 'ava';
import {
  ConfigError,
  InvalidArgumentError,
  InvalidStateError,
  memoryLogger,
  type LogRecord,
} from '@trellis/runtime';
import {
  MemberTable,
  UnknownMemberError,
  incarnationMax,
  rootsEqual,
  type MemberRecord,
  type MemberStatus,
} from '../src/index.js';

const hour = 3_600_000;
const newTable = (incarnation = 1, config = {}) =>
  new MemberTable({ id: 'self', addr: '10.0.0.1:7946', incarnation }, 0, config);

const rec = (
  id: string,
  incarnation: number,
  status: MemberStatus = 'alive',
  addr = '10.0.0.9:7946',
  meta = new Uint8Array(0),
): MemberRecord => ({ id, addr, incarnation, status, meta });

test('a new table holds only self, alive at the given incarnation', (t) => {
  const table = new MemberTable({ id: 'a', addr: '[::1]:7946', meta: Uint8Array.of(1), incarnation: 7 }, 5);
  t.is(table.selfId, 'a');
  t.is(table.size, 1);
  t.like(table.self(), { id: 'a', addr: '[::1]:7946', incarnation: 7, status: 'alive' });
  t.deepEqual(table.self().meta, Uint8Array.of(1));
  t.true(Object.isFrozen(table.self()));
  t.is(table.statusSince('a'), 5);
  t.is(new MemberTable({ id: 'b', addr: 'h:1' }, 0).self().incarnation, 0);
});

test('constructor misuse throws typed errors', (t) => {
  t.throws(() => new MemberTable({ id: '', addr: 'h:1' }, 0), { instanceOf: InvalidArgumentError });
  t.throws(() => new MemberTable({ id: 'a', addr: 'h:0' }, 0), { instanceOf: InvalidArgumentError });
  t.throws(() => new MemberTable({ id: 'a', addr: 'h:1', incarnation: -1 }, 0), {
    instanceOf: InvalidArgumentError,
  });
  t.throws(() => new MemberTable({ id: 'a', addr: 'h:1' }, Number.NaN), { instanceOf: InvalidArgumentError });
  t.throws(() => new MemberTable({ id: 'a', addr: 'h:1' }, 0, { digestBuckets: 3 }), {
    instanceOf: ConfigError,
  });
});

test('merge applies new members and newer records, ignores stale and duplicate ones', (t) => {
  const table = newTable();
  const first = table.merge(rec('b', 1), 10);
  t.is(first.kind, 'applied');
  if (first.kind === 'applied') t.is(first.change.previous, undefined);
  t.is(table.merge(rec('b', 1), 11).kind, 'unchanged');
  t.is(table.merge(rec('b', 0, 'dead'), 12).kind, 'unchanged');
  const newer = table.merge(rec('b', 2), 13);
  t.is(newer.kind, 'applied');
  if (newer.kind === 'applied') t.is(newer.change.previous?.incarnation, 1);
  t.is(table.merge(rec('b', 2, 'suspect'), 14).kind, 'applied');
  t.is(table.get('b')?.status, 'suspect');
  t.is(table.size, 2);
  t.true(Object.isFrozen(table.get('b')));
});

test('merge keeps its own copy of meta', (t) => {
  const table = newTable();
  const meta = Uint8Array.of(1, 2);
  table.merge(rec('b', 1, 'alive', 'h:1', meta), 0);
  meta[0] = 99;
  t.deepEqual(table.get('b')?.meta, Uint8Array.of(1, 2));
});

test('statusSince moves only when the status changes', (t) => {
  const table = newTable();
  table.merge(rec('b', 1), 10);
  table.merge(rec('b', 2), 20);
  t.is(table.statusSince('b'), 10);
  table.suspect('b', 2, 30);
  t.is(table.statusSince('b'), 30);
  t.is(table.statusSince('nobody'), undefined);
});

test('suspect and declareDead raise status at the seen incarnation only', (t) => {
  const table = newTable();
  table.merge(rec('b', 3), 0);
  t.is(table.suspect('b', 2, 1), undefined, 'stale incarnation');
  const s = table.suspect('b', 3, 1);
  t.like(s?.current, { status: 'suspect', incarnation: 3 });
  t.is(s?.previous?.status, 'alive');
  t.is(table.suspect('b', 3, 2), undefined, 'already suspect');
  t.like(table.declareDead('b', 3, 3)?.current, { status: 'dead', incarnation: 3 });
  t.is(table.suspect('b', 3, 4), undefined, 'dead beats suspect');
  t.is(table.declareDead('b', 3, 4), undefined);
});

test('suspect and declareDead misuse throws typed errors', (t) => {
  const table = newTable();
  table.merge(rec('b', 3), 0);
  t.throws(() => table.suspect('b', 4, 0), { instanceOf: InvalidArgumentError }); // never raises
  t.throws(() => table.suspect('self', 1, 0), { instanceOf: InvalidArgumentError });
  t.throws(() => table.declareDead('b', -1, 0), { instanceOf: InvalidArgumentError });
  const e = t.throws(() => table.declareDead('zz', 0, 0), { instanceOf: UnknownMemberError });
  t.is(e?.code, 'ERR_TRELLIS_UNKNOWN_MEMBER');
  t.is(e?.name, 'UnknownMemberError');
});

test('a left member cannot be made suspect or dead at the same incarnation', (t) => {
  const table = newTable();
  table.merge(rec('b', 3, 'left'), 0);
  t.is(table.suspect('b', 3, 1), undefined);
  t.is(table.declareDead('b', 3, 1), undefined);
});

test('updateSelf bumps the incarnation, only when something changed', (t) => {
  const table = newTable(4);
  t.is(table.updateSelf({ addr: '10.0.0.1:7946' }, 1), undefined);
  const c = table.updateSelf({ meta: Uint8Array.of(5) }, 1);
  t.like(c?.current, { incarnation: 5, status: 'alive', addr: '10.0.0.1:7946' });
  t.deepEqual(c?.current.meta, Uint8Array.of(5));
  t.like(table.updateSelf({ addr: '[fe80::1]:8000' }, 2)?.current, {
    incarnation: 6,
    addr: '[fe80::1]:8000',
  });
  t.throws(() => table.updateSelf({ addr: 'nope' }, 3), { instanceOf: InvalidArgumentError });
});

test('the meta bound: local updates throw, remote records are rejected and counted', (t) => {
  const table = newTable(1, { metaSizeMax: 4 });
  t.throws(() => table.updateSelf({ meta: new Uint8Array(5) }, 0), { instanceOf: InvalidArgumentError });
  t.throws(() => new MemberTable({ id: 'a', addr: 'h:1', meta: new Uint8Array(5) }, 0, { metaSizeMax: 4 }), {
    instanceOf: InvalidArgumentError,
  });
  t.notThrows(() => table.updateSelf({ meta: new Uint8Array(4) }, 0));
  t.deepEqual(table.merge(rec('b', 1, 'alive', 'h:1', new Uint8Array(5)), 0), {
    kind: 'rejected',
    reason: 'metaTooLarge',
  });
  t.is(table.rejected().metaTooLarge, 1);
  t.is(table.get('b'), undefined);
});

test('refute and leave bump the incarnation; leave is final and idempotent', (t) => {
  const table = newTable(2);
  t.like(table.refute(1).current, { incarnation: 3, status: 'alive' });
  const left = table.leave(2);
  t.like(left?.current, { incarnation: 4, status: 'left' });
  t.is(table.leave(3), undefined);
  t.throws(() => table.refute(4), { instanceOf: InvalidStateError });
  t.throws(() => table.updateSelf({ meta: Uint8Array.of(1) }, 4), { instanceOf: InvalidStateError });
  t.deepEqual(table.alive(), []);
  t.is(table.all().length, 1);
});

test('news about self that would win is refuted, never stored', (t) => {
  const table = newTable(5);
  for (const [news, expected] of [
    [rec('self', 5, 'suspect'), 6],
    [rec('self', 6, 'dead'), 7],
    [rec('self', 9, 'alive'), 10],
    [rec('self', 10, 'alive', '10.0.0.99:7946'), 11], // a conflicting addr at our incarnation
  ] as const) {
    const out = table.merge(news, 0);
    t.is(out.kind, 'refuted');
    if (out.kind === 'refuted')
      t.like(out.change.current, { id: 'self', status: 'alive', incarnation: expected });
    t.like(table.self(), { status: 'alive', incarnation: expected, addr: '10.0.0.1:7946' });
  }
  t.is(table.merge(rec('self', 3, 'dead'), 0).kind, 'unchanged');
  t.is(table.merge(table.self(), 0).kind, 'unchanged');
});

test('after leaving, self refutes by staying left at a higher incarnation', (t) => {
  const table = newTable(1);
  table.leave(0);
  const out = table.merge(rec('self', 8, 'alive'), 0);
  t.is(out.kind, 'refuted');
  t.like(table.self(), { status: 'left', incarnation: 9 });
});

test('news about self at the largest incarnation cannot be refuted and is rejected', (t) => {
  const table = newTable(1);
  // At a clock where that incarnation is not ahead of it (else it is clockSkew, see below).
  t.deepEqual(table.merge(rec('self', incarnationMax, 'dead'), incarnationMax), {
    kind: 'rejected',
    reason: 'unrefutable',
  });
  t.is(table.self().status, 'alive');
  const top = new MemberTable({ id: 'x', addr: 'h:1', incarnation: incarnationMax }, 0);
  t.throws(() => top.refute(0), { instanceOf: InvalidStateError });
});

test('a restart with a higher incarnation supersedes the old tombstone on every replica', (t) => {
  const replicas = [newTable(), new MemberTable({ id: 'other', addr: 'h:2' }, 0)];
  // The node's old life: it joined at 1000, was declared dead by one replica and left on another.
  replicas[0]!.merge(rec('n', 1000), 0);
  replicas[0]!.declareDead('n', 1000, 1);
  replicas[1]!.merge(rec('n', 1001, 'left'), 1);
  // It restarts with max(persisted + 1, unix ms) and announces itself, within the clock bound.
  const restarted = new MemberTable({ id: 'n', addr: '10.0.0.9:7946', incarnation: 1_700_000_000 }, 2);
  for (const r of replicas) {
    t.is(r.merge(restarted.self(), 1_700_000_000).kind, 'applied');
    t.like(r.get('n'), { status: 'alive', incarnation: 1_700_000_000 });
  }
  // And stale tombstones arriving later lose everywhere.
  for (const r of replicas) t.is(r.merge(rec('n', 1001, 'left'), 4).kind, 'unchanged');
  t.is(restarted.merge(rec('n', 1001, 'left'), 4).kind, 'unchanged');
});

test('an incarnation more than clockSkewMaxMs ahead of our clock is rejected, about anyone', (t) => {
  const now = 1_700_000_000_000;
  const table = new MemberTable({ id: 'self', addr: 'h:1', incarnation: now }, now);
  table.merge(rec('n', now), now);
  // Forged "left" news: at 2^53 - 1 nobody could ever refute it; an hour ahead, it would hold for an hour.
  for (const incarnation of [incarnationMax, now + hour + 1])
    for (const id of ['n', 'self', 'new'])
      t.deepEqual(table.merge(rec(id, incarnation, 'left'), now), { kind: 'rejected', reason: 'clockSkew' });
  t.like(table.get('n'), { status: 'alive', incarnation: now });
  t.like(table.self(), { status: 'alive', incarnation: now });
  t.is(table.get('new'), undefined);
  t.is(table.rejected().clockSkew, 6);
  // At the bound it is taken (and about ourselves, refuted one above it).
  t.is(table.merge(rec('n', now + hour, 'left'), now).kind, 'applied');
  t.is(table.merge(rec('self', now + hour, 'dead'), now).kind, 'refuted');
  t.like(table.self(), { status: 'alive', incarnation: now + hour + 1 });
  const tight = new MemberTable({ id: 'self', addr: 'h:1' }, 0, { clockSkewMaxMs: 0 });
  t.is(tight.merge(rec('n', 1), 0).kind, 'rejected');
  t.is(tight.merge(rec('n', 0), 0).kind, 'applied');
});

test('collect removes only tombstones older than tombstoneTtlMs, never self', (t) => {
  const table = newTable(1, { tombstoneTtlMs: hour });
  table.merge(rec('dead', 1, 'dead'), 0);
  table.merge(rec('left', 1, 'left'), 30 * 60_000);
  table.merge(rec('alive', 1), 0);
  table.merge(rec('suspect', 1, 'suspect'), 0);
  table.leave(0);
  t.deepEqual(table.collect(hour - 1), []);
  t.deepEqual(table.collect(hour), ['dead']);
  t.deepEqual(table.collect(10 * hour), ['left']);
  t.deepEqual(
    table
      .all()
      .map((r) => r.id)
      .sort(),
    ['alive', 'self', 'suspect'],
  );
  t.is(table.digest().size, 3);
});

test('known limit: a collected tombstone can be resurrected by a late stale alive record', (t) => {
  const table = newTable(1, { tombstoneTtlMs: hour });
  table.merge(rec('b', 4, 'dead'), 0);
  table.collect(hour);
  t.is(table.merge(rec('b', 4, 'alive'), hour + 1).kind, 'applied');
  // SWIM re-detects it: the next probe fails and suspect -> dead runs again at incarnation 4.
  t.truthy(table.suspect('b', 4, hour + 2));
});

test('the table bound: a new id beyond membersMax is rejected and counted, known ids still merge', (t) => {
  const table = newTable(1, { membersMax: 3 });
  t.is(table.merge(rec('a', 1), 0).kind, 'applied');
  t.is(table.merge(rec('b', 1), 0).kind, 'applied');
  t.deepEqual(table.merge(rec('c', 1), 0), { kind: 'rejected', reason: 'tableFull' });
  t.is(table.merge(rec('a', 2), 0).kind, 'applied');
  t.is(table.size, 3);
  t.is(table.rejected().tableFull, 1);
});

test('refutations and rejections are logged through the injected logger', (t) => {
  const records: LogRecord[] = [];
  const table = new MemberTable({ id: 'self', addr: 'h:1' }, 0, {}, { logger: memoryLogger(records) });
  table.merge(rec('self', 0, 'suspect'), 0);
  table.merge(null, 0);
  t.deepEqual(
    records.map((r) => r.message),
    ['refuted news about self', 'remote member record rejected'],
  );
});

test('alive() lists alive and suspect members; the digest follows every change', (t) => {
  const table = newTable();
  const before = table.digest().root();
  table.merge(rec('a', 1), 0);
  table.merge(rec('s', 1, 'suspect'), 0);
  table.merge(rec('d', 1, 'dead'), 0);
  t.deepEqual(
    table.alive().map((r) => r.id),
    ['self', 'a', 's'],
  );
  t.false(rootsEqual(before, table.digest().root()));
  t.is(table.digest().size, 4);
});
