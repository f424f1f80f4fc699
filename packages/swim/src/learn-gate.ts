import type { Address, Instant } from '@trellis/runtime';
import type { SwimContext } from './context.js';
import type { AckMessage, PingMessage } from './messages.js';
import { TokenBucket } from './token-bucket.js';

const challengesMax = 64;
/** Challenge pings are cheap datagrams; they may go out this many times faster than syncs. */
const challengeRateMult = 4;

interface Challenge {
  readonly addr: Address;
  readonly id: string;
  readonly at: Instant;
}

/**
 * Who an unknown pinger gets synced with. A ping's source address is only a claim (UDP sources
 * are spoofed for free), and a sync is a TCP connection back to it, so answering every ping from
 * a stranger with one turns the node into a reflector and a file-descriptor sink. Instead the
 * stranger gets a challenge: a ping of our own to the address it claims, naming the id it sent.
 * Only an ack from that address with that id (a valid reply: the address exists and speaks
 * SWIM) may start a sync, and syncs take a token from a bucket that is never reset. Challenges
 * have their own bucket, so a flood costs at most that many datagrams a second.
 */
export class LearnGate {
  readonly #ctx: SwimContext;
  readonly #challenges = new Map<number, Challenge>();
  readonly #syncs: TokenBucket;
  readonly #pings: TokenBucket;

  constructor(ctx: SwimContext) {
    this.#ctx = ctx;
    const { learnSyncBurst, learnSyncRefillMs } = ctx.config;
    this.#syncs = new TokenBucket(learnSyncBurst, learnSyncRefillMs);
    this.#pings = new TokenBucket(
      learnSyncBurst * challengeRateMult,
      Math.max(1, Math.floor(learnSyncRefillMs / challengeRateMult)),
    );
  }

  /** A ping from `src` at `from`, a member we do not know (or hold as dead). */
  onUnknownPing(now: Instant, from: Address, src: string): void {
    const { stats, selfId } = this.#ctx;
    if (this.#ctx.leaving) return;
    this.#expire(now);
    for (const c of this.#challenges.values()) if (c.addr === from) return;
    if (this.#challenges.size >= challengesMax || !this.#pings.take(now)) {
      stats.learnLimited++;
      return;
    }
    const seq = this.#ctx.nextSeq();
    this.#challenges.set(seq, { addr: from, id: src, at: now });
    stats.learnChallenges++;
    this.#ctx.sendAlone(from, { t: 'ping', seq, id: src, src: selfId } satisfies PingMessage);
  }

  /** An ack; the address to sync with if it answers one of our challenges and a token is left. */
  onAck(now: Instant, from: Address, msg: AckMessage): Address | undefined {
    const c = this.#challenges.get(msg.seq);
    if (c === undefined || c.addr !== from || c.id !== msg.src) return undefined;
    this.#challenges.delete(msg.seq);
    if (now - c.at > this.#ctx.config.probeIntervalMs) return undefined;
    if (!this.#syncs.take(now)) {
      this.#ctx.stats.learnLimited++;
      return undefined;
    }
    return from;
  }

  /** Challenges unanswered for a probe interval are given up. */
  #expire(now: Instant): void {
    for (const [seq, c] of this.#challenges) {
      if (now - c.at <= this.#ctx.config.probeIntervalMs) break;
      this.#challenges.delete(seq);
    }
  }
}
