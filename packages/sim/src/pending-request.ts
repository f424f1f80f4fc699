import type { Address, TransportError } from '@trellis/runtime';
import type { SimEvent } from './event-queue.js';
import type { HostSlot, HostState } from './host-state.js';

export type ReplyCallback = (error: TransportError | undefined, reply: Uint8Array | undefined) => void;

/** One request over the simulated reliable stream, from send until `onReply` has been called. */
export class PendingRequest {
  readonly id: number;
  readonly requester: HostState;
  /** Undefined when the address is no simulated host. */
  readonly target: HostSlot | undefined;
  readonly address: Address;
  readonly timeoutMs: number;
  readonly onReply: ReplyCallback;
  readonly timeout: SimEvent;
  responder: HostState | undefined = undefined;
  /** `onReply` has been called (or the requester crashed): nothing may complete it again. */
  done = false;
  /** The responder has called `reply`. */
  replied = false;

  constructor(
    id: number,
    requester: HostState,
    target: HostSlot | undefined,
    address: Address,
    timeoutMs: number,
    onReply: ReplyCallback,
    timeout: SimEvent,
  ) {
    this.id = id;
    this.requester = requester;
    this.target = target;
    this.address = address;
    this.timeoutMs = timeoutMs;
    this.onReply = onReply;
    this.timeout = timeout;
  }
}
