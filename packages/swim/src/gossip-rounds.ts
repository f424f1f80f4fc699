import type { Instant } from '@trellis/runtime';
import type { SwimContext } from './context.js';
import type { LiveSet } from './live-set.js';
import type { News } from './news.js';
import type { Outbox } from './outbox.js';

export interface GossipRoundsDeps {
  readonly live: LiveSet;
  readonly news: News;
  readonly outbox: Outbox;
  /** Starts a push-pull with a random live member; false if there is none. */
  readonly syncWithRandomPeer: (now: Instant, done: () => void) => boolean;
  /** A leaving node's news is all out. */
  readonly onLeaveGossiped: () => void;
}

/**
 * Gossip rounds: pending news piggybacked to `gossipNodes` random members (and one recently
 * dead) every gossip interval, every `gossipPromptMs` while news is pending, and a push-pull
 * while a backlog too large for gossip lasts.
 */
export class GossipRounds {
  readonly #ctx: SwimContext;
  readonly #deps: GossipRoundsDeps;
  /** When the last round went out (prompt rounds keep at least gossipPromptMs apart). */
  #lastAt: Instant;
  #backlogSyncing = false;
  #lastBacklogSync = -Infinity;

  constructor(ctx: SwimContext, deps: GossipRoundsDeps, now: Instant) {
    this.#ctx = ctx;
    this.#deps = deps;
    this.#lastAt = now;
  }

  /**
   * News does not wait for the next regular round: while any is pending, rounds go out every
   * `gossipPromptMs` (and the first one that long after the previous round). Each hop saves
   * most of a gossip interval, so news spreads at about network speed. The retransmit limit
   * still bounds what each item costs, and an idle node sends nothing more.
   */
  promptly(): void {
    const { config, timers } = this.#ctx;
    const prompt = config.gossipPromptMs;
    if (prompt >= config.gossipIntervalMs) return;
    const at = this.#lastAt + prompt;
    const next = timers.get('gossip');
    if (next !== undefined && at < next) timers.set('gossip', at);
  }

  /** The gossip timer. */
  onGossip(now: Instant): void {
    const { config, timers, queue, rng, table, stats } = this.#ctx;
    this.#lastAt = now;
    timers.set('gossip', now + config.gossipIntervalMs);
    this.#drainBacklog(now);
    if (queue.size === 0) {
      if (this.#ctx.leaving) this.#deps.onLeaveGossiped();
      return;
    }
    const dead = this.#deps.news.recentlyDead(now);
    const k = config.gossipNodes;
    const targets = this.#targets(k).map((id) => table.get(id)!);
    if (dead.length > 0 && targets.length < k + 1) targets.push(rng.pick(dead));
    let sent = 0;
    for (const target of targets) {
      if (!this.#deps.outbox.sendNews(target.addr)) break;
      stats.gossipPackets++;
      sent++;
    }
    // With nobody to tell (a cluster of one), news waits for the regular rounds instead.
    if (queue.size > 0 && sent > 0) this.promptly();
  }

  /**
   * `k` random live members, confirmed ones first: forged records must not aim our news at
   * their addresses (with hundreds of fakes, nearly every pick would be one, and each packet
   * into the void uses up a retransmit). Only while fewer than `k` members are confirmed (a
   * node that just joined a booting cluster) do unconfirmed ones fill the rest.
   */
  #targets(k: number): string[] {
    const { rng, confirmations } = this.#ctx;
    const picked = this.#deps.live.sample(rng, k, true);
    if (picked.length >= k || confirmations.unconfirmedLive === 0) return picked;
    return [...picked, ...this.#deps.live.sample(rng, k - picked.length, false)];
  }

  /**
   * A backlog of news far larger than a few packets (a boot storm: hundreds of members and
   * routes appearing at once) would take gossip tens of seconds to carry. Digest push-pull moves
   * it in bulk over the stream, costing only the difference, so run it every backlog interval
   * while the backlog lasts.
   */
  #drainBacklog(now: Instant): void {
    const { backlogPushPullMs, backlogThreshold } = this.#ctx.config;
    if (backlogPushPullMs === 0 || this.#ctx.queue.size < backlogThreshold || this.#backlogSyncing) return;
    if (now - this.#lastBacklogSync < backlogPushPullMs) return;
    this.#lastBacklogSync = now;
    this.#backlogSyncing = this.#deps.syncWithRandomPeer(now, () => {
      this.#backlogSyncing = false;
    });
  }
}
