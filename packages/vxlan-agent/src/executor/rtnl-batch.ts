/**
 * Batches in flight on the channel: many requests in one datagram, sequence numbers base..base+n-1.
 * The kernel handles each message of a datagram in order and acknowledges each on its own, so
 * an answer is matched to its request by `seq - base`; one timer covers the whole batch, and the
 * promise settles once with the failures only (a request that failed fails alone).
 */
import { NetlinkSocketError, NetlinkTimeoutError } from './errors.js';

/** Index in the batch -> why that request failed; absent: it succeeded. */
export type BatchFailures = Map<number, Error>;

export interface BatchHooks {
  /** The request's description for its error, built only when it fails. */
  readonly what: (i: number) => string;
  /** The error for a kernel errno (the channel's mapping: EPERM, ENOBUFS, ...). */
  readonly kernelError: (what: string, errno: number) => Error;
  readonly onLost: (reason: string) => void;
}

export class InFlightBatch {
  readonly failures: BatchFailures = new Map();
  private readonly answered: Uint8Array;
  private remaining: number;
  private timer: NodeJS.Timeout | undefined;
  private settled = false;

  constructor(
    readonly base: number,
    readonly count: number,
    private readonly hooks: BatchHooks,
    /** Called once, when every request has its answer or its error. */
    private readonly resolve: (f: BatchFailures) => void,
  ) {
    this.answered = new Uint8Array(count);
    this.remaining = count;
  }

  /** The batch's one deadline: every request still unanswered then fails with a timeout. */
  arm(timeoutMs: number): void {
    this.timer = setTimeout(() => {
      let first: string | undefined;
      this.failUnanswered((i) => {
        const what = this.hooks.what(i);
        first ??= what;
        return new NetlinkTimeoutError(what, timeoutMs);
      });
      if (first !== undefined) this.hooks.onLost(`timeout: ${first}`);
    }, timeoutMs);
  }

  /** Whether `seq` belongs to this batch. */
  owns(seq: number): boolean {
    return (seq - this.base) >>> 0 < this.count;
  }

  /** An NLMSG_ERROR for `seq` (errno 0: the ACK); a second answer to one request is ignored. */
  ack(seq: number, errno: number): void {
    const i = (seq - this.base) >>> 0;
    if (this.answered[i] === 1) return;
    if (errno !== 0) this.failures.set(i, this.hooks.kernelError(this.hooks.what(i), errno));
    this.mark(i);
  }

  overrun(seq: number): void {
    const i = (seq - this.base) >>> 0;
    if (this.answered[i] === 1) return;
    const what = this.hooks.what(i);
    this.failures.set(i, new NetlinkSocketError(`netlink ${what}: overrun`));
    this.hooks.onLost(`overrun: ${what}`);
    this.mark(i);
  }

  sendFailed(err: Error): void {
    this.failUnanswered(
      (i) => new NetlinkSocketError(`netlink send (${this.hooks.what(i)}) failed`, { cause: err }),
    );
  }

  /** Every request without an answer fails with `make(i)`; then the batch settles. */
  failUnanswered(make: (i: number) => Error): void {
    if (this.settled) return;
    for (let i = 0; i < this.count; i++) if (this.answered[i] === 0) this.failures.set(i, make(i));
    this.remaining = 0;
    this.settle();
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.resolve(this.failures);
  }

  private mark(i: number): void {
    this.answered[i] = 1;
    this.remaining--;
    if (this.remaining === 0) this.settle();
  }
}
