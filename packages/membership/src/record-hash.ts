import { Hash64, type EntryHash } from './entry-hash.js';
import type { MemberRecord } from './member-record.js';
import { statusRank } from './member-status.js';

/**
 * The digest version of a record: covers every field, so two replicas share a hash only if they
 * hold the same record (up to 2^-64 accidental collisions).
 */
export function recordHash(r: MemberRecord): EntryHash {
  return new Hash64(0x6d656d62)
    .string(r.id)
    .uint(r.incarnation)
    .word(statusRank(r.status))
    .string(r.addr)
    .bytes(r.meta)
    .digest();
}
