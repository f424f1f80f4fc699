import type { TraceKind } from '../trace.js';
import type { Invariant } from './invariant.js';

const completions: ReadonlySet<TraceKind> = new Set([
  'replyDelivered',
  'requestTimedOut',
  'requestRefused',
  'requestUnreachable',
  'requestClosed',
  'requestOversized',
  'requestAbandoned',
]);

export interface RequestsAnsweredOnceOptions {
  /** A request still open after this long is reported (it must have timed out long before). */
  readonly outstandingMaxMs: number;
}

/**
 * Every request completes exactly once (a reply or an error; a crashed requester's requests are
 * abandoned), and none stays open longer than `outstandingMaxMs`.
 */
export function requestsAnsweredOnce(
  options: RequestsAnsweredOnceOptions = { outstandingMaxMs: 600_000 },
): Invariant {
  const open = new Map<number, number>(); // id -> sent at
  return {
    name: 'every request is answered exactly once',
    observe(entry) {
      if (entry.kind === 'requestSent') {
        open.set(entry.ref, entry.atMs);
        return undefined;
      }
      if (!completions.has(entry.kind)) return undefined;
      if (!open.delete(entry.ref)) return `request ${entry.ref} completed twice (${entry.kind})`;
      return undefined;
    },
    check(context) {
      // Insertion order is send order: the first open request is the oldest.
      const oldest = open.entries().next();
      if (oldest.done === true) return undefined;
      const [id, sentAt] = oldest.value;
      if (context.now - sentAt <= options.outstandingMaxMs) return undefined;
      return `request ${id} sent at t=${sentAt} is still unanswered`;
    },
  };
}
