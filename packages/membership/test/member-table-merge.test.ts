import test from 'ava';
import fc from 'fast-check';
import { MemberTable, type MemberRecord } from '../src/index.js';
import { recordArb, sameRecord } from './arbitraries.js';
import { numRuns } from './budget.js';

// The remote side of MemberTable: hostile input, and the CRDT laws at table level.

const newTable = () => new MemberTable({ id: 'self', addr: '10.0.0.1:7946', incarnation: 1 }, 0);
const ok: MemberRecord = {
  id: 'b',
  addr: '10.0.0.9:7946',
  incarnation: 1,
  status: 'alive',
  meta: new Uint8Array(0),
};

test('malformed remote records never throw and are counted by reason', (t) => {
  const table = newTable();
  const hostile = {
    get id(): string {
      throw new Error('boom');
    },
  };
  const cases: [unknown, string][] = [
    [null, 'malformed'],
    [42, 'malformed'],
    ['record', 'malformed'],
    [[ok.id, ok.addr], 'malformed'],
    [{ ...ok, id: undefined }, 'malformed'],
    [{ ...ok, meta: [1, 2] }, 'malformed'],
    [{ ...ok, incarnation: '1' }, 'malformed'],
    [hostile, 'malformed'],
    [{ ...ok, id: 'x'.repeat(10_000) }, 'invalidId'],
    [{ ...ok, id: 'a\u0000b' }, 'invalidId'],
    [{ ...ok, addr: 'y'.repeat(100_000) + ':1' }, 'invalidAddr'],
    [{ ...ok, addr: 'host:70000' }, 'invalidAddr'],
    [{ ...ok, incarnation: -1 }, 'invalidIncarnation'],
    [{ ...ok, incarnation: Number.NaN }, 'invalidIncarnation'],
    [{ ...ok, incarnation: 2 ** 60 }, 'invalidIncarnation'],
    [{ ...ok, incarnation: 1.5 }, 'invalidIncarnation'],
    [{ ...ok, status: 'zombie' }, 'invalidStatus'],
  ];
  for (const [input, reason] of cases) {
    t.deepEqual(table.merge(input, 0), { kind: 'rejected', reason }, JSON.stringify(String(input)));
  }
  t.like(table.rejected(), {
    malformed: 8,
    invalidId: 2,
    invalidAddr: 2,
    invalidIncarnation: 4,
    invalidStatus: 1,
  });
  t.is(table.size, 1);
  t.true(Object.isFrozen(table.rejected()));
});

// Table-level laws: a table state is the pointwise join of every record it has merged, so
// merging whole tables must be commutative, associative and idempotent, whatever the order.
const stateOf = (records: readonly MemberRecord[]): MemberRecord[] => {
  const t = new MemberTable({ id: 'observer', addr: 'h:1' }, 0, { membersMax: 1000 });
  for (const r of records) t.merge(r, 0);
  return t
    .all()
    .filter((r) => r.id !== 'observer')
    .sort((a, b) => (a.id < b.id ? -1 : 1));
};
const sameState = (a: readonly MemberRecord[], b: readonly MemberRecord[]) =>
  a.length === b.length && a.every((r, i) => sameRecord(r, b[i]!));
const tableArb = fc.array(recordArb(['a', 'b', 'c']), { maxLength: 8 });

test('table merge is commutative, associative and idempotent (fast-check)', (t) => {
  const join = (x: readonly MemberRecord[], y: readonly MemberRecord[]) => stateOf([...x, ...y]);
  const assertProperty = <Ts>(name: string, p: fc.IProperty<Ts>) => {
    const d = fc.check(p, { numRuns });
    t.false(d.failed, `${name}: ${d.failed ? fc.stringify(d.counterexample) : ''}`);
  };
  assertProperty(
    'commutative',
    fc.property(tableArb, tableArb, (x, y) => sameState(join(x, y), join(y, x))),
  );
  assertProperty(
    'associative',
    fc.property(tableArb, tableArb, tableArb, (x, y, z) =>
      sameState(join(join(x, y), z), join(x, join(y, z))),
    ),
  );
  assertProperty(
    'idempotent',
    fc.property(tableArb, (x) => sameState(join(x, x), stateOf(x))),
  );
  assertProperty(
    'order and duplicates do not matter',
    fc.property(
      tableArb.chain((x) =>
        fc.tuple(fc.constant(x), fc.shuffledSubarray([...x, ...x], { minLength: 2 * x.length })),
      ),
      ([x, shuffled]) => sameState(stateOf(shuffled), stateOf(x)),
    ),
  );
});
