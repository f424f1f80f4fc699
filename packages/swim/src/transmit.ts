import type { Address } from '@trellis/runtime';

/** What the core asks its driver to send. */
export type Transmit =
  /** One UDP packet: these messages, compound-encoded, within the packet budget. */
  | { readonly kind: 'datagram'; readonly to: Address; readonly msgs: readonly object[] }
  /**
   * One request over the reliable stream. The driver must call `handleReply(now, token, ...)`
   * exactly once, with the decoded reply or an error reason.
   */
  | {
      readonly kind: 'request';
      readonly to: Address;
      readonly token: number;
      readonly msg: object;
      readonly timeoutMs: number;
    };
