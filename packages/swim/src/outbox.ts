import type { Address, Instant } from '@trellis/runtime';
import type { BroadcastQueue } from './broadcast-queue.js';
import type { ReplyHandler } from './context.js';
import type { SwimEvent } from './events.js';
import type { SwimStats } from './stats.js';
import type { Transmit } from './transmit.js';
import { wireSize } from './wire-size.js';

/** Bytes per message of compound framing, and of the compound header itself. */
const compoundOverheadBytes = 1;
const compoundHeaderBytes = 3;

export interface OutboxOptions {
  readonly queue: BroadcastQueue;
  /** Bytes of each packet left after the driver's envelope. */
  readonly budgetBytes: number;
  readonly eventQueueMax: number;
  readonly stats: SwimStats;
  readonly clusterSize: () => number;
}

/**
 * Everything the core hands its driver: packets (each filled up with pending news to the
 * packet budget), stream requests and the handlers waiting for their replies, and events
 * (bounded: past `eventQueueMax` the oldest are dropped and counted).
 */
export class Outbox {
  readonly #opts: OutboxOptions;
  readonly #transmits: Transmit[] = [];
  readonly #events: SwimEvent[] = [];
  readonly #replies = new Map<number, ReplyHandler>();
  #token = 0;

  constructor(opts: OutboxOptions) {
    this.#opts = opts;
  }

  /** The largest news (wire size) a packet of ours can carry: one alone in a gossip packet. */
  static itemBytesMax(budgetBytes: number): number {
    return budgetBytes - compoundHeaderBytes - compoundOverheadBytes;
  }

  /** Sends `msg` (after the `first` messages) as a datagram, filled up with pending news. */
  send(to: Address, msg: object, first: readonly object[] = []): void {
    const msgs: object[] = [msg, ...first];
    const used = msgs.reduce<number>((n, m) => n + wireSize(m) + compoundOverheadBytes, compoundHeaderBytes);
    msgs.push(...this.#news(this.#opts.budgetBytes - used));
    this.#transmits.push({ kind: 'datagram', to, msgs });
  }

  /**
   * Sends `msg` alone, without news: to an address that may not be a member (a verification
   * or challenge ping), where piggybacked news would use up its retransmits into the void.
   */
  sendAlone(to: Address, msg: object): void {
    this.#transmits.push({ kind: 'datagram', to, msgs: [msg] });
  }

  /** Sends `msgs` without news, in as few datagrams as the packet budget allows. */
  sendPacked(to: Address, msgs: readonly object[]): void {
    let packet: object[] = [];
    let used = compoundHeaderBytes;
    for (const m of msgs) {
      const size = wireSize(m) + compoundOverheadBytes;
      if (packet.length > 0 && used + size > this.#opts.budgetBytes) {
        this.#transmits.push({ kind: 'datagram', to, msgs: packet });
        packet = [];
        used = compoundHeaderBytes;
      }
      packet.push(m);
      used += size;
    }
    if (packet.length > 0) this.#transmits.push({ kind: 'datagram', to, msgs: packet });
  }

  /** Sends one packet of pending news alone (a gossip round); false if none is pending. */
  sendNews(to: Address): boolean {
    const msgs = this.#news(this.#opts.budgetBytes - compoundHeaderBytes);
    if (msgs.length === 0) return false;
    this.#transmits.push({ kind: 'datagram', to, msgs });
    return true;
  }

  /** Sends one request over the reliable stream; `onReply` runs once, from `handleReply`. */
  request(to: Address, msg: object, timeoutMs: number, onReply: ReplyHandler): void {
    const token = ++this.#token;
    this.#replies.set(token, onReply);
    this.#transmits.push({ kind: 'request', to, token, msg, timeoutMs });
  }

  handleReply(now: Instant, token: number, reply: unknown, error: string | undefined): void {
    const handler = this.#replies.get(token);
    if (handler === undefined) return;
    this.#replies.delete(token);
    handler(now, reply, error);
  }

  emit(event: SwimEvent): void {
    if (this.#events.length >= this.#opts.eventQueueMax) {
      this.#events.shift();
      this.#opts.stats.eventsDropped++;
    }
    this.#events.push(event);
  }

  /** Counts dropped peer input by reason and reports it. */
  reject(from: Address, reason: string): void {
    const rejected = this.#opts.stats.rejected;
    rejected[reason] = (rejected[reason] ?? 0) + 1;
    this.emit({ type: 'messageRejected', from, reason });
  }

  pollTransmit(): Transmit | undefined {
    return this.#transmits.shift();
  }

  pollEvent(): SwimEvent | undefined {
    return this.#events.shift();
  }

  #news(budgetBytes: number): object[] {
    return this.#opts.queue.take(budgetBytes, compoundOverheadBytes, this.#opts.clusterSize());
  }
}
