import test from 'ava';
import { InvalidArgumentError } from '@trellis/runtime';
import {
  compareBytes,
  compareRecords,
  joinRecords,
  statusRank,
  type MemberRecord,
  type MemberStatus,
} from '../src/index.js';
import { sameRecord } from './arbitraries.js';
import { numRuns } from './budget.js';
import { allChecks, lawChecks, semanticChecks, type Join } from './join-laws.js';

const rec = (
  incarnation: number,
  status: MemberStatus,
  addr = '10.0.0.1:7946',
  meta: number[] = [],
): MemberRecord => Object.freeze({ id: 'm', addr, incarnation, status, meta: Uint8Array.from(meta) });

test('a higher incarnation wins, even against worse news', (t) => {
  t.is(joinRecords(rec(2, 'alive'), rec(1, 'dead')).incarnation, 2);
  t.is(joinRecords(rec(1, 'left'), rec(2, 'alive')).status, 'alive');
});

test('at equal incarnation the higher status wins: alive < suspect < dead < left', (t) => {
  t.is(joinRecords(rec(1, 'alive'), rec(1, 'dead')).status, 'dead');
  t.is(joinRecords(rec(1, 'dead'), rec(1, 'alive')).status, 'dead');
  t.is(joinRecords(rec(1, 'suspect'), rec(1, 'alive')).status, 'suspect');
  t.is(joinRecords(rec(1, 'left'), rec(1, 'dead')).status, 'left');
});

test('conflicting content at equal incarnation and status is broken by addr, then meta', (t) => {
  const a = rec(1, 'alive', '10.0.0.1:7946', [9]);
  const b = rec(1, 'alive', '10.0.0.2:7946', [1]);
  t.is(joinRecords(a, b), b);
  t.is(joinRecords(b, a), b);
  const c = rec(1, 'alive', '10.0.0.1:7946', [1, 0]);
  const d = rec(1, 'alive', '10.0.0.1:7946', [1]);
  t.is(joinRecords(c, d), c);
  t.is(joinRecords(d, c), c);
});

test('compareRecords is 0 only for equal content', (t) => {
  t.is(compareRecords(rec(1, 'alive', undefined, [1]), rec(1, 'alive', undefined, [1])), 0);
  t.is(compareRecords(rec(1, 'alive'), rec(1, 'suspect')), -1);
  t.is(compareRecords(rec(3, 'alive'), rec(1, 'suspect')), 1);
  t.is(compareBytes(Uint8Array.of(1, 2), Uint8Array.of(1, 3)), -1);
  t.is(compareBytes(Uint8Array.of(), Uint8Array.of()), 0);
});

test('joining records of different members is a typed error', (t) => {
  const other = { ...rec(1, 'alive'), id: 'n' };
  t.throws(() => joinRecords(rec(1, 'alive'), other), { instanceOf: InvalidArgumentError });
});

test('joinRecords satisfies every CRDT law and semantic rule (fast-check)', (t) => {
  for (const c of allChecks) {
    const failure = c.check(joinRecords, numRuns);
    t.is(failure, undefined, `${c.name}: ${failure ?? ''}`);
  }
});

// Deliberately broken joins: the law and semantic checks must find a counterexample for each.
const byIncarnation = (a: MemberRecord, b: MemberRecord): MemberRecord | undefined =>
  a.incarnation === b.incarnation ? undefined : a.incarnation > b.incarnation ? a : b;

const brokenJoins: Readonly<Record<string, Join>> = {
  'at equal incarnation prefer the right argument': (a, b) => byIncarnation(a, b) ?? b,
  'status from the left argument': (a, b) => ({ ...joinRecords(a, b), status: a.status }),
  'swapped status order (left < dead < suspect < alive)': (a, b) => {
    const w = byIncarnation(a, b);
    if (w !== undefined) return w;
    const d = statusRank(a.status) - statusRank(b.status);
    if (d !== 0) return d < 0 ? a : b;
    return joinRecords(a, b);
  },
  'no content tie-break (keep the left argument)': (a, b) => {
    const w = byIncarnation(a, b);
    if (w !== undefined) return w;
    return statusRank(b.status) > statusRank(a.status) ? b : a;
  },
  'incarnation and status joined independently': (a, b) => {
    const w = joinRecords(a, b);
    const status = statusRank(a.status) >= statusRank(b.status) ? a.status : b.status;
    return { ...w, status };
  },
  'lower incarnation wins': (a, b) => {
    const w = byIncarnation(a, b);
    if (w === undefined) return joinRecords(a, b);
    return w === a ? b : a;
  },
};

for (const [name, join] of Object.entries(brokenJoins)) {
  test(`mutation check catches: ${name}`, (t) => {
    const caughtBy = allChecks.filter((c) => c.check(join, numRuns) !== undefined).map((c) => c.name);
    t.log(`caught by: ${caughtBy.join('; ') || 'nothing'}`);
    t.true(caughtBy.length > 0, 'no check found a counterexample');
  });
}

test('a swapped status order is still a lattice: only the semantic checks catch it', (t) => {
  const swapped = brokenJoins['swapped status order (left < dead < suspect < alive)']!;
  for (const c of lawChecks) t.is(c.check(swapped, numRuns), undefined, c.name);
  t.true(semanticChecks.some((c) => c.check(swapped, numRuns) !== undefined));
  // The same, as a plain example: dead must beat alive at equal incarnation.
  t.false(sameRecord(swapped(rec(1, 'alive'), rec(1, 'dead')), rec(1, 'dead')));
});
