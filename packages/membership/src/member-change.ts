import type { MemberRecord } from './member-record.js';
import type { RejectReason } from './reject-reason.js';

/**
 * A delta: what a record was before (undefined for a new member) and what it is now.
 * `current` is exactly what gossip should disseminate; `previous` lets an application see
 * transitions (alive -> suspect, addr changed) without keeping its own copy.
 */
export interface MemberChange {
  readonly previous: MemberRecord | undefined;
  readonly current: MemberRecord;
}

/** What `MemberTable.merge` did with one remote record. */
export type MergeOutcome =
  /** The record won and is stored; disseminate `change.current` further. */
  | { readonly kind: 'applied'; readonly change: MemberChange }
  /** Stale or duplicate: the table already holds this record or one that beats it. */
  | { readonly kind: 'unchanged' }
  /**
   * News about ourselves that would have won (a suspicion, a death, or a higher incarnation).
   * We did not store it: we raised our incarnation above it instead, and `change.current` is
   * the new self record to disseminate so every replica's join discards the news.
   */
  | { readonly kind: 'refuted'; readonly change: MemberChange }
  /** Malformed, oversized or over a bound; counted under `reason`. */
  | { readonly kind: 'rejected'; readonly reason: RejectReason };
