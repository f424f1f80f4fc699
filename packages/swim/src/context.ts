import type { Address, Instant, Logger, Rng } from '@trellis/runtime';
import type { MemberTable } from '@trellis/membership';
import type { Awareness } from './awareness.js';
import type { BroadcastQueue } from './broadcast-queue.js';
import type { Confirmations } from './confirmations.js';
import type { SwimConfig } from './config.js';
import type { SwimEvent } from './events.js';
import type { SwimStats } from './stats.js';
import type { MemberProofs } from './member-proofs.js';
import type { Outbox } from './outbox.js';
import type { Timers } from './timers.js';

/** The reply to a stream request: the decoded reply, or why there is none. */
export type ReplyHandler = (now: Instant, reply: unknown, error: string | undefined) => void;

/**
 * What the parts of the core (prober, news, anti-entropy) share. Internal: the public surface is
 * the `Swim` class.
 */
export interface SwimContext {
  readonly config: SwimConfig;
  readonly rng: Rng;
  readonly log: Logger;
  readonly table: MemberTable;
  readonly awareness: Awareness;
  readonly queue: BroadcastQueue;
  readonly timers: Timers;
  readonly stats: SwimStats;
  readonly selfId: string;
  /** Signs our member records and checks peers' (a no-op without identity). */
  readonly proofs: MemberProofs;
  /** Which members have shown they exist; only those are probed, synced and counted. */
  readonly confirmations: Confirmations;
  /** Sends `msg` as a datagram, filling the rest of the packet with pending broadcasts. */
  send(to: Address, msg: object, first?: readonly object[]): void;
  /** Sends `msg` as a datagram of its own, no news piggybacked (to addresses not yet trusted). */
  sendAlone(to: Address, msg: object): void;
  /** Sends `msgs` without news, in as few datagrams as the packet budget allows. */
  sendPacked(to: Address, msgs: readonly object[]): void;
  /** Sends one request over the reliable stream; `onReply` runs exactly once. */
  request(to: Address, msg: object, timeoutMs: number, onReply: ReplyHandler): void;
  emit(event: SwimEvent): void;
  reject(from: Address, reason: string): void;
  nextSeq(): number;
  /** Members that are alive or suspect and confirmed, self included: what sizes timeouts. */
  clusterSize(): number;
  changeAwareness(delta: number): void;
  /** True once the node has left (or is leaving): it no longer probes or accuses. */
  readonly leaving: boolean;
}

/** The parts a context is a view of. */
export interface ContextParts {
  readonly config: SwimConfig;
  readonly rng: Rng;
  readonly log: Logger;
  readonly table: MemberTable;
  readonly awareness: Awareness;
  readonly queue: BroadcastQueue;
  readonly timers: Timers;
  readonly stats: SwimStats;
  readonly outbox: Outbox;
  readonly proofs: MemberProofs;
  readonly confirmations: Confirmations;
  readonly clusterSize: () => number;
  readonly leaving: () => boolean;
}

export function createContext(p: ContextParts): SwimContext {
  const { outbox, awareness } = p;
  let seq = 0;
  return {
    config: p.config,
    rng: p.rng,
    log: p.log,
    table: p.table,
    awareness,
    queue: p.queue,
    timers: p.timers,
    stats: p.stats,
    selfId: p.table.selfId,
    proofs: p.proofs,
    confirmations: p.confirmations,
    send: (to, msg, first) => outbox.send(to, msg, first),
    sendAlone: (to, msg) => outbox.sendAlone(to, msg),
    sendPacked: (to, msgs) => outbox.sendPacked(to, msgs),
    request: (to, msg, timeoutMs, onReply) => outbox.request(to, msg, timeoutMs, onReply),
    emit: (e) => outbox.emit(e),
    reject: (from, reason) => outbox.reject(from, reason),
    nextSeq: () => (seq = (seq + 1) >>> 0),
    clusterSize: p.clusterSize,
    changeAwareness: (delta) => {
      const before = awareness.score;
      if (awareness.apply(delta) !== before)
        outbox.emit({ type: 'awarenessChanged', score: awareness.score });
    },
    get leaving() {
      return p.leaving();
    },
  };
}
