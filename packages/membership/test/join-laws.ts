import fc from 'fast-check';
import { statusRank, type MemberRecord } from '../src/index.js';
import { recordArb, sameRecord } from './arbitraries.js';

export type Join = (a: MemberRecord, b: MemberRecord) => MemberRecord;

export interface JoinCheck {
  readonly name: string;
  /** Runs the property against `join`; returns fast-check's report if it found a counterexample. */
  readonly check: (join: Join, numRuns: number) => string | undefined;
}

const r = recordArb();

function run<Ts>(property: fc.IProperty<Ts>, numRuns: number): string | undefined {
  const details = fc.check(property, { numRuns });
  return details.failed ? `counterexample ${fc.stringify(details.counterexample)}` : undefined;
}

/**
 * The CRDT laws (what makes any join converge) and the semantic rules (what makes it *this*
 * join). Both are needed: a join with the status order reversed is still a lattice and passes
 * every law; only the semantics catch it.
 */
export const lawChecks: readonly JoinCheck[] = [
  {
    name: 'commutative',
    check: (join, n) =>
      run(
        fc.property(r, r, (a, b) => sameRecord(join(a, b), join(b, a))),
        n,
      ),
  },
  {
    name: 'associative',
    check: (join, n) =>
      run(
        fc.property(r, r, r, (a, b, c) => sameRecord(join(join(a, b), c), join(a, join(b, c)))),
        n,
      ),
  },
  {
    name: 'idempotent',
    check: (join, n) =>
      run(
        fc.property(r, (a) => sameRecord(join(a, a), a)),
        n,
      ),
  },
];

export const semanticChecks: readonly JoinCheck[] = [
  {
    name: 'higher incarnation wins whatever the status',
    check: (join, n) =>
      run(
        fc.property(r, r, (a, b) => {
          fc.pre(a.incarnation !== b.incarnation);
          const newer = a.incarnation > b.incarnation ? a : b;
          return sameRecord(join(a, b), newer) && sameRecord(join(b, a), newer);
        }),
        n,
      ),
  },
  {
    name: 'at equal incarnation the higher status wins',
    check: (join, n) =>
      run(
        fc.property(r, r, (a, b) => {
          fc.pre(a.incarnation === b.incarnation && a.status !== b.status);
          const worse = statusRank(a.status) > statusRank(b.status) ? a : b;
          return sameRecord(join(a, b), worse) && sameRecord(join(b, a), worse);
        }),
        n,
      ),
  },
];

export const allChecks: readonly JoinCheck[] = [...lawChecks, ...semanticChecks];
