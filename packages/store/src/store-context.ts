import type { Address, Instant, Logger, RecordSigning, Rng } from '@trellis/runtime';
import type { MemberRecord } from '@trellis/membership';

/** What a store may know about the members (the owners of its records). */
export interface Liveness {
  member(id: string): MemberRecord | undefined;
  /** Local time of the member's last status change. */
  since(id: string): Instant | undefined;
}

/** Called with the reply to a request (or `error`, a short code, when there is none). */
export type ReplyHandler = (at: Instant, reply: unknown, error: string | undefined) => void;

/**
 * Everything the node gives a store when it is registered. Sans-IO like the store itself:
 * sending only queues work the node's driver carries out after the current input.
 */
export interface StoreContext {
  /** The name the store is registered under. */
  readonly name: string;
  readonly selfId: string;
  /**
   * This life of the node: its start time in ms, the same number as its first incarnation, so
   * a restarted node's records supersede those of its previous life.
   */
  readonly generation: number;
  /** The time the store is created at. */
  readonly now: Instant;
  /** A random stream of the store's own, derived from the node's seed and the store's name. */
  readonly rng: Rng;
  readonly logger: Logger;
  readonly liveness: Liveness;
  /** Signs what the store writes and checks what peers wrote (`noSigning` without identity). */
  readonly signing: RecordSigning;
  /** Queues news in the store's broadcast class; newer news under `key` replaces older. */
  broadcast(key: string, msg: object): void;
  /** Sends one message straight to `addr` (with piggybacked news), not by gossip. */
  sendTo(addr: Address, msg: object): void;
  /** One anti-entropy exchange with a random live member; false when there is nobody. */
  sync(now: Instant, done: (at: Instant, ok: boolean) => void): boolean;
  /** A request over the reliable stream (its `t` must be one of the store's `requestTags`). */
  request(to: Address, msg: object, timeoutMs: number, onReply: ReplyHandler): void;
}
