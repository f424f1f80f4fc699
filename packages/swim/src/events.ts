import type { Address } from '@trellis/runtime';
import type { MemberRecord } from '@trellis/membership';

/** What the failure detector tells the application, past tense, tagged by `type`. */
export type SwimEvent =
  /** A member became alive: first seen, or back after death or leave. */
  | { readonly type: 'memberJoined'; readonly member: MemberRecord }
  /** An alive member changed address or metadata, or refuted a suspicion. */
  | { readonly type: 'memberUpdated'; readonly member: MemberRecord; readonly previous: MemberRecord }
  | { readonly type: 'memberSuspected'; readonly member: MemberRecord; readonly by: string | undefined }
  | { readonly type: 'memberDied'; readonly member: MemberRecord }
  | { readonly type: 'memberLeft'; readonly member: MemberRecord }
  /** Someone suspected or buried us; we raised our incarnation to refute it. */
  | { readonly type: 'selfRefuted'; readonly incarnation: number }
  /**
   * A live (alive or suspect) record about our id arrived, from `from`, with address `theirs`
   * instead of `ours`: another node runs with our id, or our previous life at another address
   * is not declared dead yet. At most once per `theirs` per minute; counted in `conflicts`.
   */
  | {
      readonly type: 'memberConflict';
      readonly id: string;
      readonly ours: Address;
      readonly theirs: Address;
      readonly from: Address;
    }
  /**
   * We are in a cluster: `seed` answered our join, or, `undefined`, every seed was our own
   * address, so we bootstrapped a new cluster (of `members`, 1 unless others joined us first).
   */
  | { readonly type: 'joined'; readonly seed: Address | undefined; readonly members: number }
  /** A push-pull exchange we started completed: our tables hold everything `peer` had. */
  | { readonly type: 'syncCompleted'; readonly peer: Address }
  /** No seed answered this attempt; the next one starts at `retryAt`. */
  | { readonly type: 'joinAttemptFailed'; readonly attempt: number; readonly retryAt: number }
  /** The last of `joinAttemptsMax` attempts failed too; no more. `errors`: each seed's last reason. */
  | {
      readonly type: 'joinFailed';
      readonly attempts: number;
      readonly errors: readonly { readonly seed: Address; readonly reason: string }[];
    }
  /** Our leave has been gossiped out (or its time ran out); the driver may close now. */
  | { readonly type: 'leaveCompleted' }
  | { readonly type: 'awarenessChanged'; readonly score: number }
  /** Peer input that was dropped; also counted in stats. */
  | { readonly type: 'messageRejected'; readonly from: Address; readonly reason: string };

export type SwimEventType = SwimEvent['type'];
