import type { Address, Instant } from '@trellis/runtime';
import type { AntiEntropy } from './anti-entropy.js';
import type { Vouch } from './confirmations.js';
import type { SwimContext } from './context.js';
import { LearnGate } from './learn-gate.js';
import type { LiveSet } from './live-set.js';
import type { AckMessage } from './messages.js';

/**
 * When the core runs push-pull anti-entropy, and with whom: a random live member every
 * (size-scaled) push-pull interval, a random dead member every reconnect interval (which heals
 * partitions), and a node that pings us while we do not know it.
 */
export class PushPullRounds {
  readonly #ctx: SwimContext;
  readonly #live: LiveSet;
  readonly #antiEntropy: AntiEntropy;
  readonly #learn: LearnGate;
  #returnedSyncAt = -Infinity;

  constructor(ctx: SwimContext, live: LiveSet, antiEntropy: AntiEntropy) {
    this.#ctx = ctx;
    this.#live = live;
    this.#antiEntropy = antiEntropy;
    this.#learn = new LearnGate(ctx);
  }

  start(now: Instant): void {
    const { config, timers } = this.#ctx;
    if (config.pushPullIntervalMs > 0) timers.set('pushPull', now + this.#intervalMs());
    if (config.reconnectIntervalMs > 0) timers.set('reconnect', now + config.reconnectIntervalMs);
  }

  /**
   * One push-pull exchange with a random live confirmed member (an unconfirmed one may be an
   * address nobody listens at); false (and no call) if there is none.
   */
  syncWithRandomPeer(now: Instant, done: (at: Instant, ok: boolean) => void): boolean {
    const { rng, table } = this.#ctx;
    const id = this.#live.pickConfirmed(rng);
    const peer = id === undefined ? undefined : table.get(id);
    if (peer === undefined) return false;
    this.#syncWith(now, peer.addr, 'all', done);
    return true;
  }

  /**
   * A ping from a node we do not know (or hold as dead): it knows of us, we do not know of it —
   * typically we restarted and have nobody to join through. Sync with it rather than wait for
   * its next push-pull. Never at once, though: the sender is challenged first, and only its
   * ack from that address may start the sync (`LearnGate`), which vouches for its own record.
   */
  learnFrom(now: Instant, addr: Address, src: string): void {
    this.#learn.onUnknownPing(now, addr, src);
  }

  /** An ack: if it answers a challenge of `learnFrom`, sync with its sender. */
  onAck(now: Instant, from: Address, msg: AckMessage): void {
    const peer = this.#learn.onAck(now, from, msg);
    if (peer === undefined) return;
    this.#ctx.stats.learnSyncs++;
    this.#syncWith(now, peer, 'self', () => undefined);
  }

  /**
   * A member we held as dead is alive again — most often a partition healed, and the two sides
   * changed their tables apart. Gossip does not carry what was written on the other side while
   * it was away, and the periodic push-pull may be minutes off in a large cluster: sync with the
   * returned member now. At most once per probe interval, so a healed partition of hundreds of
   * members costs each node one exchange with the other side, not hundreds.
   */
  syncWithReturned(now: Instant, id: string): void {
    if (this.#ctx.leaving || now - this.#returnedSyncAt < this.#ctx.config.probeIntervalMs) return;
    const member = this.#ctx.table.get(id);
    if (member === undefined) return;
    this.#returnedSyncAt = now;
    this.#ctx.stats.returnSyncs++;
    this.#syncWith(now, member.addr, this.#ctx.confirmations.has(id) ? 'all' : 'self', () => undefined);
  }

  /** The push-pull timer. */
  onPushPull(now: Instant): void {
    this.#ctx.timers.set('pushPull', now + this.#intervalMs());
    if (this.#ctx.leaving) return;
    this.syncWithRandomPeer(now, () => undefined);
  }

  /** Anti-entropy with a random dead member: if it is back (a healed partition), we merge. */
  onReconnect(now: Instant): void {
    const { config, timers, table, stats, rng } = this.#ctx;
    timers.set('reconnect', now + config.reconnectIntervalMs);
    if (this.#ctx.leaving) return;
    // Only members that once answered: a forged dead record must not make us dial its address.
    const dead = table.all().filter((r) => r.status === 'dead' && this.#ctx.confirmations.has(r.id));
    if (dead.length === 0) return;
    stats.reconnects++;
    this.#syncWith(now, rng.pick(dead).addr, 'all', () => undefined);
  }

  /** One digest exchange with `addr`; a success is announced as `syncCompleted`. */
  #syncWith(now: Instant, addr: Address, vouch: Vouch, done: (at: Instant, ok: boolean) => void): void {
    this.#ctx.stats.pushPulls++;
    this.#antiEntropy.start(now, addr, vouch, (at, ok) => {
      if (ok) this.#ctx.emit({ type: 'syncCompleted', peer: addr });
      done(at, ok);
    });
  }

  /** memberlist's scaling: the interval grows with log2(N) above 32 members. */
  #intervalMs(): number {
    const n = this.#ctx.clusterSize();
    const mult = n <= 32 ? 1 : Math.ceil(Math.log2(n) - Math.log2(32)) + 1;
    return this.#ctx.config.pushPullIntervalMs * mult;
  }
}
