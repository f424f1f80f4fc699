import { describe } from '@trellis/runtime';
import { BroadcastClassError } from './errors.js';
import { indexBySeq, mergeBySeq, type Pending } from './pending-news.js';
import { wireSize } from './wire-size.js';

const missesMax = 16;

/**
 * One broadcast class: its share of a packet, its news by transmit count (`buckets[t]` holds
 * the news sent `t` times, oldest first), and the news by key. Buckets keep every operation
 * proportional to one bucket, not to the whole queue: a boot storm queues thousands of items.
 */
interface BroadcastClass {
  readonly share: number;
  readonly buckets: (Pending[] | undefined)[];
  readonly byKey: Map<string, Pending>;
}

export interface BroadcastQueueOptions {
  readonly retransmitMult: number;
  readonly queueMax: number;
  /**
   * Relative share of a packet's budget per class when several classes have news waiting, each
   * in (0, 1]; more classes can be added later with `addClass`.
   */
  readonly shares: Readonly<Record<string, number>>;
  /**
   * Largest news in bytes (its wire size plus framing) that any packet can carry. Larger news
   * could never be piggybacked: it is counted as `tooLarge` and not queued, and reaches peers
   * only through push-pull. Default: no limit.
   */
  readonly itemBytesMax?: number;
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
 * at most retransmitMult x ceil(log10(N + 1)) times, then forgotten. Keys are scoped per class
 * (each store names its own keys): newer news about the same key in the same class replaces
 * older news, whatever its transmit count.
 */
export class BroadcastQueue {
  readonly #opts: BroadcastQueueOptions;
  readonly #classes = new Map<string, BroadcastClass>();
  #size = 0;
  #seq = 0;
  /** A lower bound on any item's size, to stop scanning once nothing more can fit. */
  readonly #smallest = 8;
  #droppedAtBound = 0;
  #replaced = 0;
  #tooLarge = 0;

  constructor(opts: BroadcastQueueOptions) {
    this.#opts = opts;
    for (const [cls, share] of Object.entries(opts.shares)) this.addClass(cls, share);
  }

  /**
   * Adds a class with its relative `share` of each packet, in (0, 1]. Throws
   * `BroadcastClassError` if the class exists or the share is out of range.
   */
  addClass(cls: string, share: number): void {
    if (this.#classes.has(cls)) throw new BroadcastClassError(cls, 'exists already');
    this.#classes.set(cls, { share: requireShare(cls, share), buckets: [], byKey: new Map() });
  }

  /** Queues `msg` under `key` in `cls`, replacing older news about the same key in that class. */
  enqueue(cls: string, key: string, msg: object): void {
    const c = this.#class(cls);
    const old = c.byKey.get(key);
    if (old) {
      this.#remove(old);
      this.#replaced++;
    }
    const item: Pending = { key, cls, msg, size: wireSize(msg), transmits: 0, seq: ++this.#seq };
    if (item.size > (this.#opts.itemBytesMax ?? Infinity)) {
      this.#tooLarge++;
      return;
    }
    (c.buckets[0] ??= []).push(item);
    c.byKey.set(key, item);
    this.#size++;
    if (this.#size > this.#opts.queueMax) this.#dropMostSent();
    this.#opts.onEnqueue?.();
  }

  /** Whether news about `key` in `cls` is waiting. */
  has(cls: string, key: string): boolean {
    return this.#classes.get(cls)?.byKey.has(key) ?? false;
  }

  get size(): number {
    return this.#size;
  }

  sizeOf(cls: string): number {
    return this.#classes.get(cls)?.byKey.size ?? 0;
  }

  /** Drops everything queued (a node that leaves, or a test). */
  clear(): void {
    for (const c of this.#classes.values()) {
      c.buckets.length = 0;
      c.byKey.clear();
    }
    this.#size = 0;
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
    const pending = [...this.#classes.values()].filter((c) => c.byKey.size > 0);
    if (pending.length === 0 || budgetBytes <= overheadBytes) return [];
    const weightSum = pending.reduce((s, c) => s + c.share, 0);
    const picked = new Set<Pending>();
    let left = budgetBytes;
    for (const c of pending) {
      const share = Math.floor((budgetBytes * c.share) / weightSum);
      left -= this.#fill(c, Math.min(share, left), overheadBytes, picked);
    }
    for (const c of pending) left -= this.#fill(c, left, overheadBytes, picked);
    // How many of each bucket's news were picked, per class (buckets by transmit count before
    // this packet).
    const touched = new Map<BroadcastClass, Map<number, number>>();
    for (const item of picked) {
      const c = this.#classes.get(item.cls)!;
      let ts = touched.get(c);
      if (ts === undefined) touched.set(c, (ts = new Map<number, number>()));
      ts.set(item.transmits, (ts.get(item.transmits) ?? 0) + 1);
    }
    for (const [c, ts] of touched) this.#advance(c, picked, ts, limit);
    return [...picked].map((p) => p.msg);
  }

  /**
   * Adds news of `c` not yet picked that fits in `budget`, fewest transmits first and newest
   * first among equals; returns the bytes used.
   */
  #fill(c: BroadcastClass, budget: number, overhead: number, picked: Set<Pending>): number {
    let used = 0;
    let misses = 0;
    for (const bucket of c.buckets) {
      if (bucket === undefined) continue;
      for (let i = bucket.length - 1; i >= 0; i--) {
        if (budget - used < overhead + this.#smallest) return used;
        const item = bucket[i]!;
        if (picked.has(item)) continue;
        const cost = item.size + overhead;
        if (cost > budget - used) {
          // News sizes cluster; after a run of misses the rest will not fit either. This bounds
          // the scan of a long queue (a boot storm) at a few dozen items per packet.
          if (++misses >= missesMax) return used;
          continue;
        }
        picked.add(item);
        used += cost;
      }
    }
    return used;
  }

  /**
   * The picked news of `c` moves up one bucket, or out once sent `limit` times. News is picked
   * newest first, so only the tail of a bucket from its oldest picked item on is rewritten.
   */
  #advance(
    c: BroadcastClass,
    picked: ReadonlySet<Pending>,
    touched: ReadonlyMap<number, number>,
    limit: number,
  ): void {
    const moved: (Pending[] | undefined)[] = [];
    for (const t of [...touched.keys()].sort((a, b) => a - b)) {
      const bucket = c.buckets[t];
      if (bucket === undefined) continue;
      const count = touched.get(t)!;
      let found = 0;
      let i = bucket.length;
      while (found < count && i > 0) if (picked.has(bucket[--i]!)) found++;
      for (const item of bucket.splice(i)) {
        if (!picked.has(item)) bucket.push(item);
        else if (++item.transmits < limit) (moved[item.transmits] ??= []).push(item);
        else {
          c.byKey.delete(item.key);
          this.#size--;
        }
      }
    }
    moved.forEach((items, t) => {
      if (items !== undefined) c.buckets[t] = mergeBySeq(c.buckets[t] ?? [], items);
    });
  }

  #class(cls: string): BroadcastClass {
    const c = this.#classes.get(cls);
    if (c === undefined) throw new BroadcastClassError(cls, 'was never added');
    return c;
  }

  #remove(item: Pending): void {
    const c = this.#classes.get(item.cls)!;
    const bucket = c.buckets[item.transmits];
    const i = bucket === undefined ? -1 : indexBySeq(bucket, item.seq);
    if (i >= 0) bucket!.splice(i, 1);
    if (c.byKey.delete(item.key)) this.#size--;
  }

  /** The oldest of the most-sent news of any class. */
  #dropMostSent(): void {
    let worst: Pending | undefined;
    for (const { buckets } of this.#classes.values()) {
      for (let t = buckets.length - 1; t >= 0; t--) {
        const oldest = buckets[t]?.[0];
        if (oldest === undefined) continue;
        if (
          !worst ||
          oldest.transmits > worst.transmits ||
          (oldest.transmits === worst.transmits && oldest.seq < worst.seq)
        )
          worst = oldest;
        break;
      }
    }
    if (worst) {
      this.#remove(worst);
      this.#droppedAtBound++;
    }
  }
}

function requireShare(cls: string, share: unknown): number {
  if (typeof share !== 'number' || !Number.isFinite(share) || share <= 0 || share > 1) {
    throw new BroadcastClassError(cls, `share must be a finite number in (0, 1], got ${describe(share)}`);
  }
  return share;
}
