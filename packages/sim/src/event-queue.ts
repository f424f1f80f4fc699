import type { TransportErrorCode } from '@trellis/runtime';
import type { PendingRequest } from './pending-request.js';
import type { HostState } from './host-state.js';

/** What a queued event does when its time comes. */
export const EventKind = Object.freeze({
  timer: 0,
  datagramArrives: 1,
  requestArrives: 2,
  replyArrives: 3,
  requestFails: 4,
  requestTimesOut: 5,
});
export type EventKind = (typeof EventKind)[keyof typeof EventKind];

/**
 * One queued event. A single class with every field keeps the heap monomorphic (V8 sees one
 * shape); cancellation is a flag because removing from the middle of a heap costs O(n).
 */
export class SimEvent {
  at = 0;
  seq = 0;
  kind: EventKind = EventKind.timer;
  cancelled = false;
  /** Timer owner (a timer of a crashed incarnation never fires). */
  owner: HostState | undefined = undefined;
  fn: (() => void) | undefined = undefined;
  /** Host indices of a message (sender, receiver), for partitions, holds and the trace. */
  from = -1;
  to = -1;
  payload: Uint8Array | undefined = undefined;
  request: PendingRequest | undefined = undefined;
  code: TransportErrorCode | undefined = undefined;
}

/** A binary min-heap ordered by (at, seq): equal times run in the order they were scheduled. */
export class EventQueue {
  readonly #heap: SimEvent[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  /** Stamps `ev` with the next sequence number and queues it. */
  push(ev: SimEvent): void {
    ev.seq = this.#seq++;
    const heap = this.#heap;
    let i = heap.length;
    heap.push(ev);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = heap[parent]!;
      if (!before(ev, p)) break;
      heap[i] = p;
      i = parent;
    }
    heap[i] = ev;
  }

  peek(): SimEvent | undefined {
    return this.#heap[0];
  }

  pop(): SimEvent | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined || heap.length === 0) return top;
    const n = heap.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let child = heap[l]!;
      if (r < n && before(heap[r]!, child)) {
        c = r;
        child = heap[r]!;
      }
      if (!before(child, last)) break;
      heap[i] = child;
      i = c;
    }
    heap[i] = last;
    return top;
  }
}

function before(a: SimEvent, b: SimEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
