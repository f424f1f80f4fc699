import { TrellisError } from '@trellis/runtime';

/**
 * A local command named a member the table does not hold (never seen, or already collected).
 * Separate from `InvalidArgumentError` because the caller can often recover, for instance by
 * dropping a probe target that was collected under it.
 */
export class UnknownMemberError extends TrellisError {
  override readonly name = 'UnknownMemberError';
  readonly code = 'ERR_TRELLIS_UNKNOWN_MEMBER';
  readonly memberId: string;

  constructor(memberId: string) {
    super(`unknown member ${JSON.stringify(memberId)}`);
    this.memberId = memberId;
  }
}
