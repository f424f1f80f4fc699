/**
 * Batches in flight on the channel: many requests in one datagram, sequence numbers
 * base..base+n-1, only the last with NLM_F_ACK. The kernel handles the messages of a datagram in
 * order, answers a request without NLM_F_ACK only when it fails, and all answers queue on the
 * socket in that order: so an error is matched to its request by `seq - base`, and the last
 * request's answer says that every request before it without an error succeeded. One timer
 * covers the whole batch; the promise settles once, with the failures only.
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
  private timer: NodeJS.Timeout | undefined;
  private settled = false;

  constructor(
    readonly base: number,
    readonly count: number,
    private readonly hooks: BatchHooks,
    /** Called once: when the last request is answered, or the batch failed as a whole. */
    private readonly resolve: (f: BatchFailures) => void,
  ) {}

  /**
   * The batch's one deadline. Without the last answer nobody knows which requests the kernel
   * applied: every request without an error of its own fails with a timeout.
   */
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

  /** An NLMSG_ERROR for `seq`: an error, or (errno 0) the last request's ACK. */
  ack(seq: number, errno: number): void {
    const i = (seq - this.base) >>> 0;
    if (errno !== 0 && !this.failures.has(i))
      this.failures.set(i, this.hooks.kernelError(this.hooks.what(i), errno));
    if (i === this.count - 1) this.settle();
  }

  overrun(seq: number): void {
    const i = (seq - this.base) >>> 0;
    const what = this.hooks.what(i);
    this.failures.set(i, new NetlinkSocketError(`netlink ${what}: overrun`));
    this.hooks.onLost(`overrun: ${what}`);
    if (i === this.count - 1) this.settle();
  }

  sendFailed(err: Error): void {
    this.failUnanswered(
      (i) => new NetlinkSocketError(`netlink send (${this.hooks.what(i)}) failed`, { cause: err }),
    );
  }

  /** Every request without an error of its own fails with `make(i)`; then the batch settles. */
  failUnanswered(make: (i: number) => Error): void {
    if (this.settled) return;
    for (let i = 0; i < this.count; i++) if (!this.failures.has(i)) this.failures.set(i, make(i));
    this.settle();
  }

  private settle(): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    this.resolve(this.failures);
  }
}
