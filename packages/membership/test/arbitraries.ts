import fc from 'fast-check';
import { memberStatuses, type MemberRecord, type MemberStatus } from '../src/index.js';

/**
 * Records drawn from deliberately tiny domains, so that equal incarnations, equal statuses and
 * same-(incarnation, status)-different-content conflicts are common rather than rare.
 */
export const statusArb: fc.Arbitrary<MemberStatus> = fc.constantFrom(...memberStatuses);
export const addrArb = fc.constantFrom('10.0.0.1:7946', '10.0.0.2:7946', '[::1]:7946');
export const metaArb = fc.uint8Array({ min: 0, max: 2, maxLength: 2 });

export function recordArb(ids: readonly string[] = ['m']): fc.Arbitrary<MemberRecord> {
  return fc
    .record({
      id: fc.constantFrom(...ids),
      addr: addrArb,
      incarnation: fc.integer({ min: 0, max: 3 }),
      status: statusArb,
      meta: metaArb,
    })
    .map((r) => Object.freeze(r));
}

/** Content equality (records hold typed arrays, so `===` is not enough). */
export function sameRecord(a: MemberRecord, b: MemberRecord): boolean {
  return (
    a.id === b.id &&
    a.addr === b.addr &&
    a.incarnation === b.incarnation &&
    a.status === b.status &&
    a.meta.length === b.meta.length &&
    a.meta.every((x, i) => x === b.meta[i])
  );
}

export function show(r: MemberRecord): string {
  return `${r.id}@${r.incarnation}/${r.status}/${r.addr}/[${Array.from(r.meta).join(',')}]`;
}
