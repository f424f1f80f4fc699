import type { Socket } from 'node:net';

interface Slot {
  readonly source: string;
  /** Request bytes received so far; undefined once the request is complete. */
  waiting: number | undefined;
}

/**
 * Who holds the inbound stream slots: at most `max` connections, at most `perSourceMax` from
 * one source IP. When every slot is taken, the connection still waiting for its request that
 * received the fewest bytes (the oldest among equals) is evicted for the newcomer: a peer with
 * a request to make sends it at once, a slot holder sends nothing or a trickle, so holding slots
 * cannot keep a join out. Connections whose request is in are never evicted.
 */
export class StreamSlots {
  readonly #max: number;
  readonly #perSourceMax: number;
  readonly #slots = new Map<Socket, Slot>();
  readonly #bySource = new Map<string, number>();

  constructor(max: number, perSourceMax: number) {
    this.#max = max;
    this.#perSourceMax = perSourceMax;
  }

  get size(): number {
    return this.#slots.size;
  }

  /**
   * Takes a slot for `socket`: 'ok', or why not ('source': its IP holds too many; 'full').
   * `evicted` is called with the connection that gave way, already released.
   */
  admit(socket: Socket, evicted: (s: Socket) => void): 'ok' | 'source' | 'full' {
    const source = socket.remoteAddress ?? '';
    const held = this.#bySource.get(source) ?? 0;
    if (held >= this.#perSourceMax) return 'source';
    if (this.#slots.size >= this.#max) {
      const victim = this.#slowestWaiting();
      if (victim === undefined) return 'full';
      this.release(victim);
      evicted(victim);
    }
    this.#slots.set(socket, { source, waiting: 0 });
    this.#bySource.set(source, held + 1);
    return 'ok';
  }

  received(socket: Socket, bytes: number): void {
    const slot = this.#slots.get(socket);
    if (slot?.waiting !== undefined) slot.waiting += bytes;
  }

  /** The request is complete: the connection is no longer evictable. */
  requested(socket: Socket): void {
    const slot = this.#slots.get(socket);
    if (slot !== undefined) slot.waiting = undefined;
  }

  /** Frees the slot (idempotent: eviction releases before the socket's close event). */
  release(socket: Socket): void {
    const slot = this.#slots.get(socket);
    if (slot === undefined) return;
    this.#slots.delete(socket);
    const left = (this.#bySource.get(slot.source) ?? 1) - 1;
    if (left <= 0) this.#bySource.delete(slot.source);
    else this.#bySource.set(slot.source, left);
  }

  all(): Socket[] {
    return [...this.#slots.keys()];
  }

  clear(): void {
    this.#slots.clear();
    this.#bySource.clear();
  }

  #slowestWaiting(): Socket | undefined {
    let best: Socket | undefined;
    let fewest = Infinity;
    // Map order is arrival order, so the strict < keeps the oldest among equals.
    for (const [socket, slot] of this.#slots) {
      if (slot.waiting !== undefined && slot.waiting < fewest) {
        best = socket;
        fewest = slot.waiting;
      }
    }
    return best;
  }
}
