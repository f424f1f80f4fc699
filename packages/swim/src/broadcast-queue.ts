import { assert } from '@trellis/runtime';
import { wireSize } from './wire-size.js';

const missesMax = 16;

/** One piece of news waiting to be piggybacked. */
interface Pending {
  readonly key: string;
  readonly cls: string;
  readonly msg: object;
  readonly size: number;
  transmits: number;
  readonly seq: number;
}

export interface BroadcastQueueOptions {
  readonly retransmitMult: number;
  readonly queueMax: number;
  /** Relative share of a packet's budget per class when several classes have news waiting. */
  readonly shares: Readonly<Record<string, number>>;
  /** Called whenever news is queued (the core uses it to gossip fresh news promptly). */
  readonly onEnqueue?: () => void;
}

export interface BroadcastQueueStats {
  /** News dropped because the queue was at its bound (most-sent first). */
  readonly droppedAtBound: number;
  /** News replaced by newer news about the same key before it ran out of transmits. */
  readonly replaced: number;
  /** News too large for any packet; it reaches peers only through push-pull. */
  readonly tooLarge: number;
}

/**
 * memberlist's TransmitLimitedQueue, with two changes: news is grouped in classes, each with a
 * guaranteed share of every packet (so membership churn cannot starve route updates, a known
 * memberlist pain near 1,000 nodes), and the bound drops the most-transmitted news first.
 *
 * Order inside a class: fewest transmits first, newest first among equals. Each item is sent
 * at most retransmitMult x ceil(log10(N + 1)) times, then forgotten. Newer news about the same
 * key replaces older news, whatever its transmit count.
 */
export class BroadcastQueue {
  readonly #opts: BroadcastQueueOptions;
  readonly #byClass = new Map<string, Pending[]>();
  readonly #byKey = new Map<string, Pending>();
  #seq = 0;
  /** A lower bound on any item's size, to stop scanning once nothing more can fit. */
  readonly #smallest = 8;
  #droppedAtBound = 0;
  #replaced = 0;
  #tooLarge = 0;

  constructor(opts: BroadcastQueueOptions) {
    this.#opts = opts;
    for (const cls of Object.keys(opts.shares)) this.#byClass.set(cls, []);
  }

  /** Queues `msg` under `key`, replacing older news about the same key. */
  enqueue(cls: string, key: string, msg: object): void {
    const list = this.#byClass.get(cls);
    assert(list !== undefined, `unknown broadcast class ${cls}`);
    const old = this.#byKey.get(key);
    if (old) {
      this.#remove(old);
      this.#replaced++;
    }
    const item: Pending = { key, cls, msg, size: wireSize(msg), transmits: 0, seq: ++this.#seq };
    this.#insert(list, item);
    this.#byKey.set(key, item);
    if (this.#byKey.size > this.#opts.queueMax) this.#dropMostSent();
    this.#opts.onEnqueue?.();
  }

  has(key: string): boolean {
    return this.#byKey.has(key);
  }

  get size(): number {
    return this.#byKey.size;
  }

  sizeOf(cls: string): number {
    return this.#byClass.get(cls)?.length ?? 0;
  }

  /** Drops everything queued (a node that leaves, or a test). */
  clear(): void {
    for (const list of this.#byClass.values()) list.length = 0;
    this.#byKey.clear();
  }

  stats(): BroadcastQueueStats {
    return { droppedAtBound: this.#droppedAtBound, replaced: this.#replaced, tooLarge: this.#tooLarge };
  }

  /**
   * memberlist's mult x ceil(log10(N + 1)), but never less than ln(1000 N): if every informed
   * member sends a piece of news L times to random members, a given member misses it with
   * probability about e^-L, so L >= ln(1000 N) reaches everyone with probability >= 99.9 %.
   * memberlist's formula alone gives 2 for its LOCAL profile at 8 nodes, which misses a member
   * in most joins and leaves it waiting for push-pull (44 s to converge 64 nodes).
   */
  retransmitLimit(clusterSize: number): number {
    const n = Math.max(1, clusterSize);
    const memberlist = this.#opts.retransmitMult * Math.ceil(Math.log10(n + 1));
    return Math.max(memberlist, Math.ceil(Math.log(n) + Math.log(1000)));
  }

  /**
   * Takes the news to piggyback on one packet with `budgetBytes` left, counting `overheadBytes`
   * per message (compound framing). Each class first fills its share; what is left of the
   * budget then goes to any class, in the same order.
   */
  take(budgetBytes: number, overheadBytes: number, clusterSize: number): object[] {
    const limit = this.retransmitLimit(clusterSize);
    const pending = [...this.#byClass.entries()].filter(([, l]) => l.length > 0);
    if (pending.length === 0 || budgetBytes <= overheadBytes) return [];
    const weightSum = pending.reduce((s, [cls]) => s + (this.#opts.shares[cls] ?? 0), 0);
    const picked = new Set<Pending>();
    let left = budgetBytes;
    for (const [cls, list] of pending) {
      const share = Math.floor((budgetBytes * (this.#opts.shares[cls] ?? 0)) / weightSum);
      left -= this.#fill(list, Math.min(share, left), overheadBytes, picked);
    }
    for (const [, list] of pending) left -= this.#fill(list, left, overheadBytes, picked);
    for (const item of picked) {
      const list = this.#byClass.get(item.cls)!;
      list.splice(list.indexOf(item), 1);
      item.transmits++;
      if (item.transmits >= limit) this.#byKey.delete(item.key);
      else this.#insert(list, item);
    }
    return [...picked].map((p) => p.msg);
  }

  /** Adds items of `list` not yet picked that fit in `budget`; returns the bytes used. */
  #fill(list: Pending[], budget: number, overhead: number, picked: Set<Pending>): number {
    let used = 0;
    let misses = 0;
    for (const item of list) {
      if (budget - used < overhead + this.#smallest) break;
      if (picked.has(item)) continue;
      const cost = item.size + overhead;
      if (cost > budget - used) {
        // News sizes cluster; after a run of misses the rest will not fit either. This bounds
        // the scan of a long queue (a boot storm) at a few dozen items per packet.
        if (++misses >= missesMax) break;
        continue;
      }
      picked.add(item);
      used += cost;
    }
    return used;
  }

  /** Reports news larger than `packetBytes`: it can never be piggybacked, so it is dropped. */
  dropOversized(packetBytes: number): void {
    for (const item of [...this.#byKey.values()]) {
      if (item.size > packetBytes) {
        this.#remove(item);
        this.#tooLarge++;
      }
    }
  }

  #insert(list: Pending[], item: Pending): void {
    // Binary search for the first element that sorts after `item`.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const m = list[mid]!;
      if (m.transmits < item.transmits || (m.transmits === item.transmits && m.seq > item.seq)) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, item);
  }

  #remove(item: Pending): void {
    const list = this.#byClass.get(item.cls)!;
    const i = list.indexOf(item);
    if (i >= 0) list.splice(i, 1);
    this.#byKey.delete(item.key);
  }

  #dropMostSent(): void {
    let worst: Pending | undefined;
    for (const list of this.#byClass.values()) {
      const last = list[list.length - 1];
      if (
        last &&
        (!worst ||
          last.transmits > worst.transmits ||
          (last.transmits === worst.transmits && last.seq < worst.seq))
      )
        worst = last;
    }
    if (worst) {
      this.#remove(worst);
      this.#droppedAtBound++;
    }
  }
}
