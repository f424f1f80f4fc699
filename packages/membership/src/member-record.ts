import type { MemberStatus } from './member-status.js';

/**
 * One member as every replica sees it. Records are immutable values: a change is a new record,
 * which is what lets a record double as the delta that gossip disseminates.
 */
export interface MemberRecord {
  /** Unique, stable node id: 1..128 UTF-16 code units, no control characters. */
  readonly id: string;
  /** Where to reach the member: `host:port`, IPv6 hosts in brackets (`[::1]:7946`). */
  readonly addr: string;
  /** Raised only by the owner; a non-negative safe integer. */
  readonly incarnation: number;
  readonly status: MemberStatus;
  /**
   * Opaque application metadata, at most `metaSizeMax` bytes. The table owns a private copy;
   * typed arrays cannot be frozen, so treat it as read-only.
   */
  readonly meta: Uint8Array;
}

/** The largest incarnation: beyond it a number is no longer exact in a double. */
export const incarnationMax = Number.MAX_SAFE_INTEGER;

/**
 * Builds a frozen record with its own copy of `meta`, so neither a caller nor a decoder's
 * shared receive buffer can change a record after it entered a table. Fields are not validated
 * here; callers validate first.
 */
export function freezeRecord(fields: MemberRecord): MemberRecord {
  return Object.freeze({
    id: fields.id,
    addr: fields.addr,
    incarnation: fields.incarnation,
    status: fields.status,
    // Most members carry no metadata: one shared empty array (it cannot be written to) instead
    // of a fresh one per record version, which at 5,000 members x 5,000 replicas is gigabytes.
    meta: fields.meta.length === 0 ? noMeta : Uint8Array.from(fields.meta),
  });
}

const noMeta = new Uint8Array(0);
