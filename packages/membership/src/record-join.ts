import { InvalidArgumentError } from '@trellis/runtime';
import type { MemberRecord } from './member-record.js';
import { statusRank } from './member-status.js';

/**
 * The total order on records that the join picks the maximum of:
 * 1. incarnation: only the owner raises it, so a higher one is newer news from the source;
 * 2. status (alive < suspect < dead < left): at one incarnation, worse news wins, so a
 *    suspicion sticks until the owner refutes it with a higher incarnation;
 * 3. addr, then meta bytes, then id: content that honest nodes never produce at the same
 *    (incarnation, status) but forged or buggy peers may. Without this step the "winner" would
 *    depend on arrival order and replicas would disagree forever.
 * Returns 0 only for records with identical content.
 */
export function compareRecords(a: MemberRecord, b: MemberRecord): -1 | 0 | 1 {
  if (a.incarnation !== b.incarnation) return a.incarnation < b.incarnation ? -1 : 1;
  const sa = statusRank(a.status);
  const sb = statusRank(b.status);
  if (sa !== sb) return sa < sb ? -1 : 1;
  const byAddr = compareStrings(a.addr, b.addr);
  if (byAddr !== 0) return byAddr;
  const byMeta = compareBytes(a.meta, b.meta);
  if (byMeta !== 0) return byMeta;
  return compareStrings(a.id, b.id);
}

/**
 * The lattice join of two records about the same member: the maximum in `compareRecords`
 * order. A maximum under a total order is commutative, associative and idempotent, which is
 * all a state-based CRDT needs. Pure; returns one of its arguments.
 */
export function joinRecords(a: MemberRecord, b: MemberRecord): MemberRecord {
  if (a.id !== b.id) {
    throw new InvalidArgumentError(`cannot join records of different members ${a.id} and ${b.id}`);
  }
  return compareRecords(a, b) >= 0 ? a : b;
}

/** Code-unit order, the same on every platform (unlike `localeCompare`). */
export function compareStrings(a: string, b: string): -1 | 0 | 1 {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}

/** Lexicographic byte order; a proper prefix sorts first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): -1 | 0 | 1 {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? -1 : 1;
  }
  if (a.length === b.length) return 0;
  return a.length < b.length ? -1 : 1;
}
