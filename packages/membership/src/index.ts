/**
 * @trellis/membership — the member table CRDT: member records and their lattice join, the
 * replicated table with refutation, tombstone collection and bounds, and the digests that make
 * anti-entropy cost O(1) when replicas agree. Pure and sans-IO.
 */

// Records and their order.
export {
  type MemberStatus,
  memberStatuses,
  statusRank,
  isMemberStatus,
  isTombstone,
} from './member-status.js';
export { type MemberRecord, incarnationMax } from './member-record.js';
export { joinRecords, compareRecords, compareBytes } from './record-join.js';
export {
  validateRecord,
  type RecordValidation,
  isValidId,
  isValidAddr,
  isValidIncarnation,
  idLengthMax,
  addrLengthMax,
} from './record-validation.js';

// The table.
export {
  MemberTable,
  type SelfInit,
  type MemberTableOptions,
  type MembershipDigest,
} from './member-table.js';
export { type MemberChange, type MergeOutcome } from './member-change.js';
export { type RejectReason, rejectReasons } from './reject-reason.js';
export { UnknownMemberError } from './membership-errors.js';
export {
  type MembershipConfig,
  defaultMembershipConfig,
  parseMembershipConfig,
  metaSizeMaxLimit,
  membersMaxLimit,
  tombstoneTtlMsLimit,
  digestBucketsLimit,
  clockSkewMaxMsLimit,
} from './membership-config.js';

// Digests for anti-entropy (generic over string keys; the route store reuses them).
export {
  DigestIndex,
  type DigestView,
  type DigestRoot,
  type BucketAggregates,
  type DigestEntry,
} from './digest-index.js';
export {
  rootsEqual,
  diffBuckets,
  diffEntries,
  isDigestRoot,
  isBucketAggregates,
  isDigestEntries,
} from './digest-diff.js';
export { Hash64, hashKey, type EntryHash } from './entry-hash.js';

// Replicated tables of single-writer records (routes, tasks).
export {
  RegisterTable,
  type RegisterSchema,
  type RegisterTableOptions,
  type RegisterTableHooks,
  type RegisterMergeOutcome,
} from './register-table.js';
export { recordHash } from './record-hash.js';
