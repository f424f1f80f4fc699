import { TrellisError } from '@trellis/runtime';

/** `node.send` could not hand the message to the member (no answer, refused, it left...). */
export class MessageNotDeliveredError extends TrellisError {
  override readonly name = 'MessageNotDeliveredError';
  readonly code = 'ERR_TRELLIS_NOT_DELIVERED';
  readonly member: string;
  /** The transport's short code: `ECONNREFUSED`, `timeout`, `left`, `badReply`, `closed`... */
  readonly reason: string;

  constructor(member: string, reason: string, message: string) {
    super(message);
    this.member = member;
    this.reason = reason;
  }
}

export function deliveryError(member: string, reason: string, detail?: string): MessageNotDeliveredError {
  return new MessageNotDeliveredError(
    member,
    reason,
    `message to ${JSON.stringify(member)} not delivered: ${detail ?? reason}`,
  );
}
