import {
  InvalidStateError,
  silentLogger,
  type Rng,
  type Address,
  type Instant,
  type Logger,
} from '@trellis/runtime';
import { MemberTable, type MemberRecord, type MembershipConfig } from '@trellis/membership';
import { AntiEntropy } from './anti-entropy.js';
import type { AntiEntropySection } from './anti-entropy-section.js';
import { Awareness } from './awareness.js';
import { BroadcastQueue } from './broadcast-queue.js';
import { parseSwimConfig, type SwimConfig, type SwimProfile } from './config.js';
import type { ReplyHandler, SwimContext } from './context.js';
import type { SwimEvent } from './events.js';
import { LiveSet } from './live-set.js';
import { membershipSection } from './membership-section.js';
import { parseSwimMessage } from './messages.js';
import { News, membershipClass } from './news.js';
import { Prober } from './prober.js';
import { emptySwimStats, type SwimStats } from './stats.js';
import { Timers } from './timers.js';
import type { Transmit } from './transmit.js';
import { wireSize } from './wire-size.js';

export interface SwimOptions {
  readonly id: string;
  /** The address peers reach us at (`host:port`). */
  readonly addr: Address;
  readonly meta?: Uint8Array;
  /** Start above every incarnation of a previous life: max(persisted + 1, unix seconds). */
  readonly incarnation?: number;
  readonly now: Instant;
  readonly rng: Rng;
  readonly profile?: SwimProfile;
  readonly config?: Partial<SwimConfig>;
  readonly membership?: Partial<MembershipConfig>;
  readonly logger?: Logger;
  /** Bytes of each packet the driver needs for its envelope (version, encryption). */
  readonly envelopeReserveBytes?: number;
  /** Other broadcast classes and their share of each packet, e.g. `{ routes: 0.5 }`. */
  readonly broadcastClasses?: Readonly<Record<string, number>>;
}

/** Handles datagram messages the core does not know (application messages). */
export type UserMessageHandler = (now: Instant, from: Address, msg: Record<string, unknown>) => boolean;

const compoundOverheadBytes = 1;

/**
 * SWIM with Lifeguard as a sans-IO core: feed it `handleMessage`, `handleRequest`,
 * `handleReply` and `handleTimeout`; drain `pollTransmit` and `pollEvent`; sleep until
 * `pollTimeout`. It never reads a clock, never draws an unseeded random number, and never
 * throws on peer input.
 */
export class Swim {
  readonly config: SwimConfig;
  readonly table: MemberTable;
  readonly #ctx: SwimContext;
  readonly #timers = new Timers();
  readonly #stats = emptySwimStats();
  readonly #queue: BroadcastQueue;
  readonly #awareness: Awareness;
  readonly #live = new LiveSet();
  readonly #news: News;
  readonly #prober: Prober;
  readonly #antiEntropy: AntiEntropy;
  readonly #sections = new Map<string, AntiEntropySection>();
  readonly #rng: Rng;
  readonly #log: Logger;
  readonly #transmits: Transmit[] = [];
  readonly #events: SwimEvent[] = [];
  readonly #replies = new Map<number, ReplyHandler>();
  readonly #budgetBytes: number;
  #seq = 0;
  #token = 0;
  #leaving = false;
  #leaveDone = false;
  #seeds: Address[] = [];
  #joinAttempt = 0;
  #joined = false;
  #userHandler: UserMessageHandler | undefined;
  #backlogSyncing = false;
  readonly #learnedAt = new Map<Address, Instant>();
  #lastBacklogSync = -Infinity;
  /** When the last gossip round went out (prompt rounds keep at least gossipPromptMs apart). */
  #lastGossipAt: Instant;

  constructor(opts: SwimOptions) {
    this.config = parseSwimConfig(opts.config, opts.profile);
    this.#rng = opts.rng;
    this.#log = (opts.logger ?? silentLogger).child({ component: 'swim', self: opts.id });
    this.table = new MemberTable(
      {
        id: opts.id,
        addr: opts.addr,
        ...(opts.meta ? { meta: opts.meta } : {}),
        incarnation: opts.incarnation ?? 0,
      },
      opts.now,
      opts.membership,
      { logger: this.#log },
    );
    this.#budgetBytes = this.config.packetBudgetBytes - (opts.envelopeReserveBytes ?? 0);
    const others = opts.broadcastClasses ?? {};
    const otherCount = Object.keys(others).length;
    this.#queue = new BroadcastQueue({
      retransmitMult: this.config.retransmitMult,
      queueMax: this.config.broadcastQueueMax,
      shares: { [membershipClass]: otherCount === 0 ? 1 : this.config.membershipShare, ...others },
      onEnqueue: () => this.#gossipPromptly(),
    });
    this.#awareness = new Awareness(this.config.awarenessMax);
    this.#ctx = this.#context();
    this.#news = new News(this.#ctx, {
      up: (id) => {
        if (this.#live.add(id)) this.#prober.add(id);
      },
      down: (id) => this.#live.remove(id),
    });
    this.#prober = new Prober(this.#ctx, (now, target) => this.#news.suspectLocally(now, target));
    this.addSection(
      membershipSection(
        this.table,
        (now, from, msg) => this.#news.onMember(now, from, msg),
        (from, reason) => this.#reject(from, reason),
      ),
    );
    this.#antiEntropy = new AntiEntropy(this.#ctx, this.#sections);
    const t = opts.now;
    this.#timers.set('probe', t + this.#rng.int(0, this.config.probeIntervalMs));
    this.#timers.set('gossip', t + this.#rng.int(0, this.config.gossipIntervalMs));
    this.#lastGossipAt = t;
    this.#timers.set('sweep', t + this.config.tombstoneSweepIntervalMs);
    if (this.config.pushPullIntervalMs > 0) this.#timers.set('pushPull', t + this.#pushPullIntervalMs());
    if (this.config.reconnectIntervalMs > 0)
      this.#timers.set('reconnect', t + this.config.reconnectIntervalMs);
  }

  get selfId(): string {
    return this.table.selfId;
  }

  get leaving(): boolean {
    return this.#leaving;
  }

  get awarenessScore(): number {
    return this.#awareness.score;
  }

  /**
   * Runs one push-pull exchange with a random live member now; `done(at, ok)` runs when it
   * ends. False (and no call) when there is nobody to ask.
   */
  syncWithRandomPeer(now: Instant, done: (at: Instant, ok: boolean) => void): boolean {
    if (this.#live.size === 0) return false;
    const peer = this.table.get(this.#rng.pick(this.#live.ids()));
    if (peer === undefined) return false;
    this.#syncWith(now, peer.addr, done);
    return true;
  }

  /** One digest exchange with `addr`; a success is announced as `syncCompleted`. */
  #syncWith(now: Instant, addr: Address, done: (at: Instant, ok: boolean) => void): void {
    this.#stats.pushPulls++;
    this.#antiEntropy.start(now, addr, (at, ok) => {
      if (ok) this.#emit({ type: 'syncCompleted', peer: addr });
      done(at, ok);
    });
  }

  /**
   * A ping from a node we do not know (or hold as dead): it knows of us, we do not know of it —
   * typically we restarted and have nobody to join through. Sync with it rather than wait for
   * its next push-pull. At most once per sender per probe interval.
   */
  #learnFrom(now: Instant, addr: Address): void {
    const last = this.#learnedAt.get(addr);
    if (this.#leaving || (last !== undefined && now - last < this.config.probeIntervalMs)) return;
    if (this.#learnedAt.size >= 256) this.#learnedAt.clear();
    this.#learnedAt.set(addr, now);
    this.#syncWith(now, addr, () => undefined);
  }

  /** Sends one application message straight to `to` (with piggybacked news), not by gossip. */
  sendTo(to: Address, msg: object): void {
    this.#send(to, msg);
  }

  /** Registers another replicated table for push-pull anti-entropy. */
  addSection(section: AntiEntropySection): void {
    this.#sections.set(section.name, section);
  }

  /** Receives datagram messages whose type the core does not know. */
  onUserMessage(handler: UserMessageHandler): void {
    this.#userHandler = handler;
  }

  /** Queues application news in its broadcast class; newer news about `key` replaces older. */
  broadcast(cls: string, key: string, msg: object): void {
    this.#queue.enqueue(cls, key, msg);
  }

  /** Joins through `seeds`, retrying with exponential backoff until one answers. */
  join(now: Instant, seeds: readonly Address[]): void {
    if (this.#leaving) throw new InvalidStateError('join: this node has left');
    this.#seeds = seeds.filter((s) => s !== this.table.self().addr);
    this.#joinAttempt = 0;
    this.#joined = false;
    if (this.#seeds.length === 0) return;
    this.#timers.set('join', now);
  }

  /** Gossips that we leave; `leaveCompleted` follows once the news is out (or time is up). */
  leave(now: Instant): void {
    const change = this.table.leave(now);
    if (change === undefined) return;
    this.#leaving = true;
    this.#news.announceSelf(change);
    this.#timers.clear('probe');
    this.#timers.clear('probeTimeout');
    this.#timers.clear('join');
    // Enough gossip rounds for the retransmit limit, and never less than two probe periods.
    const rounds = this.#queue.retransmitLimit(this.clusterSize()) / Math.max(1, this.config.gossipNodes) + 2;
    this.#timers.set(
      'leave',
      now + Math.max(2 * this.config.probeIntervalMs, rounds * this.config.gossipIntervalMs),
    );
  }

  /** Changes our metadata (gossiped under a new incarnation). */
  updateMeta(now: Instant, meta: Uint8Array): void {
    const change = this.table.updateSelf({ meta }, now);
    if (change !== undefined) this.#news.announceSelf(change);
  }

  handleMessage(now: Instant, from: Address, raw: unknown): void {
    const parsed = parseSwimMessage(raw, this.table.config.metaSizeMax);
    if (!parsed.ok) {
      if (parsed.reason === 'unknownType' && this.#userHandler?.(now, from, raw as Record<string, unknown>))
        return;
      this.#reject(from, parsed.reason);
      return;
    }
    const msg = parsed.msg;
    switch (msg.t) {
      case 'ping': {
        const sender = this.table.get(msg.src);
        if (msg.id === this.selfId && (sender === undefined || sender.status === 'dead'))
          this.#learnFrom(now, from);
        return this.#prober.onPing(now, from, msg);
      }
      case 'ack':
        return this.#prober.onAck(now, from, msg);
      case 'nack':
        return this.#prober.onNack(now, from, msg);
      case 'preq':
        return this.#prober.onPingReq(now, from, msg);
      case 'm':
        return this.#news.onMember(now, from, msg);
    }
  }

  /** Answers a request that arrived over the reliable stream. */
  handleRequest(now: Instant, from: Address, raw: unknown): object {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      this.#reject(from, 'malformedRequest');
      return { t: 'err', reason: 'malformed' };
    }
    const msg = raw as Record<string, unknown>;
    if (msg.t === 'sping') return this.#prober.onStreamPing(msg.id);
    const reply = this.#antiEntropy.handleRequest(now, from, msg);
    if (reply !== undefined) return reply;
    this.#reject(from, 'unknownRequest');
    return { t: 'err', reason: 'unknown' };
  }

  /** The reply (or failure) of a request from `pollTransmit`. */
  handleReply(now: Instant, token: number, reply: unknown, error?: string): void {
    const handler = this.#replies.get(token);
    if (handler === undefined) return;
    this.#replies.delete(token);
    handler(now, reply, error);
  }

  handleTimeout(now: Instant): void {
    const due = this.#timers.due(now);
    // The gossip timer does not count: prompt rounds pull it forward, possibly into the past.
    const firstName = due.find((name) => name !== 'gossip');
    const first = firstName === undefined ? undefined : this.#timers.get(firstName);
    if (first !== undefined && now - first > this.config.lateTimerThresholdMs && this.config.lifeguard) {
      // Our own timer fired late: the event loop was blocked, so we are the slow member.
      this.#stats.lateTimers++;
      this.#ctx.changeAwareness(1);
    }
    for (const name of due) {
      const at = this.#timers.get(name);
      if (at === undefined || at > now) continue; // cleared or moved by an earlier timer
      this.#fire(now, name, now - at);
    }
  }

  pollTransmit(): Transmit | undefined {
    return this.#transmits.shift();
  }

  pollEvent(): SwimEvent | undefined {
    return this.#events.shift();
  }

  pollTimeout(): Instant | undefined {
    return this.#timers.earliest();
  }

  members(): MemberRecord[] {
    return this.table.all();
  }

  /** Members alive or suspect, self included unless it left. */
  clusterSize(): number {
    return this.#live.size + (this.#leaving ? 0 : 1);
  }

  stats(): Readonly<SwimStats> {
    return {
      ...this.#stats,
      rejected: { ...this.#stats.rejected },
    };
  }

  queueStats(): { pending: number; droppedAtBound: number; replaced: number; tooLarge: number } {
    return { pending: this.#queue.size, ...this.#queue.stats() };
  }

  #fire(now: Instant, name: string, lateMs: number): void {
    if (name === 'probe') return this.#prober.tick(now, lateMs);
    if (name === 'probeTimeout') return this.#prober.onProbeTimeout(now, lateMs);
    if (name === 'gossip') return this.#gossip(now);
    if (name === 'pushPull') return this.#pushPull(now);
    if (name === 'join') return this.#tryJoin(now);
    if (name === 'reconnect') return this.#reconnect(now);
    if (name === 'leave') return this.#finishLeave();
    if (name === 'sweep') {
      this.#timers.set('sweep', now + this.config.tombstoneSweepIntervalMs);
      this.table.collect(now);
      return;
    }
    if (name.startsWith('suspect:')) return this.#news.onSuspicionTimeout(now, name.slice(8));
    if (name.startsWith('relay:')) return this.#prober.onRelayTimeout(now, Number(name.slice(6)));
    this.#timers.clear(name);
  }

  /**
   * News does not wait for the next regular round: while any is pending, rounds go out every
   * `gossipPromptMs` (and the first one that long after the previous round). Each hop saves
   * most of a gossip interval, so news spreads at about network speed. The retransmit limit
   * still bounds what each item costs, and an idle node sends nothing more.
   */
  #gossipPromptly(): void {
    const prompt = this.config.gossipPromptMs;
    if (prompt >= this.config.gossipIntervalMs) return;
    const at = this.#lastGossipAt + prompt;
    const next = this.#timers.get('gossip');
    if (next !== undefined && at < next) this.#timers.set('gossip', at);
  }

  #gossip(now: Instant): void {
    this.#lastGossipAt = now;
    this.#timers.set('gossip', now + this.config.gossipIntervalMs);
    this.#drainBacklog(now);
    if (this.#queue.size === 0) {
      if (this.#leaving) this.#finishLeave();
      return;
    }
    const dead = this.#news.recentlyDead(now);
    const k = this.config.gossipNodes;
    const targets = this.#live.sample(this.#rng, k).map((id) => this.table.get(id)!);
    if (dead.length > 0 && targets.length < k + 1) targets.push(this.#rng.pick(dead));
    for (const target of targets) {
      const msgs = this.#queue.take(this.#budgetBytes - 3, compoundOverheadBytes, this.clusterSize());
      if (msgs.length === 0) break;
      this.#stats.gossipPackets++;
      this.#transmits.push({ kind: 'datagram', to: target.addr, msgs });
    }
    if (this.#queue.size > 0) this.#gossipPromptly();
  }

  #pushPull(now: Instant): void {
    this.#timers.set('pushPull', now + this.#pushPullIntervalMs());
    if (this.#leaving) return;
    this.syncWithRandomPeer(now, () => undefined);
  }

  /**
   * A backlog of news far larger than a few packets (a boot storm: hundreds of members and
   * routes appearing at once) would take gossip tens of seconds to carry. Digest push-pull moves
   * it in bulk over the stream, costing only the difference, so run it every backlog interval
   * while the backlog lasts.
   */
  #drainBacklog(now: Instant): void {
    const { backlogPushPullMs, backlogThreshold } = this.config;
    if (backlogPushPullMs === 0 || this.#queue.size < backlogThreshold || this.#backlogSyncing) return;
    if (now - this.#lastBacklogSync < backlogPushPullMs) return;
    this.#lastBacklogSync = now;
    this.#backlogSyncing = this.syncWithRandomPeer(now, () => {
      this.#backlogSyncing = false;
    });
  }

  /** Anti-entropy with a random dead member: if it is back (a healed partition), we merge. */
  #reconnect(now: Instant): void {
    this.#timers.set('reconnect', now + this.config.reconnectIntervalMs);
    if (this.#leaving) return;
    const dead = this.table.all().filter((r) => r.status === 'dead');
    if (dead.length === 0) return;
    this.#stats.reconnects++;
    this.#syncWith(now, this.#rng.pick(dead).addr, () => undefined);
  }

  /** memberlist's scaling: the interval grows with log2(N) above 32 members. */
  #pushPullIntervalMs(): number {
    const n = this.clusterSize();
    const mult = n <= 32 ? 1 : Math.ceil(Math.log2(n) - Math.log2(32)) + 1;
    return this.config.pushPullIntervalMs * mult;
  }

  #tryJoin(now: Instant): void {
    this.#timers.clear('join');
    const attempt = ++this.#joinAttempt;
    this.#stats.joinAttempts++;
    let pending = this.#seeds.length;
    let succeeded = false;
    for (const seed of this.#seeds) {
      this.#antiEntropy.join(now, seed, (at, ok) => {
        pending--;
        if (ok && !succeeded && attempt === this.#joinAttempt) {
          succeeded = true;
          if (!this.#joined) {
            this.#joined = true;
            // The seed gossips our arrival; so do we, which halves the time to reach everyone.
            this.#news.announceSelf({ previous: undefined, current: this.table.self() });
            this.#emit({ type: 'joined', seed, members: this.clusterSize() });
          }
        }
        if (pending === 0 && !succeeded && attempt === this.#joinAttempt && !this.#leaving) {
          const delay = Math.min(
            this.config.joinRetryMaxMs,
            this.config.joinRetryBaseMs * 2 ** (attempt - 1),
          );
          const retryAt = at + Math.floor(delay * (0.75 + this.#rng.float() * 0.5));
          this.#timers.set('join', retryAt);
          this.#emit({ type: 'joinAttemptFailed', attempt, retryAt });
        }
      });
    }
  }

  #finishLeave(): void {
    this.#timers.clear('leave');
    if (this.#leaveDone) return;
    this.#leaveDone = true;
    this.#emit({ type: 'leaveCompleted' });
  }

  #emit(event: SwimEvent): void {
    if (this.#events.length >= this.config.eventQueueMax) {
      this.#events.shift();
      this.#stats.eventsDropped++;
    }
    this.#events.push(event);
  }

  #reject(from: Address, reason: string): void {
    this.#stats.rejected[reason] = (this.#stats.rejected[reason] ?? 0) + 1;
    this.#emit({ type: 'messageRejected', from, reason });
  }

  #send(to: Address, msg: object, first: readonly object[] = []): void {
    const msgs: object[] = [msg, ...first];
    const used = msgs.reduce<number>((n, m) => n + wireSize(m) + compoundOverheadBytes, 3);
    msgs.push(...this.#queue.take(this.#budgetBytes - used, compoundOverheadBytes, this.clusterSize()));
    this.#transmits.push({ kind: 'datagram', to, msgs });
  }

  #context(): SwimContext {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the context is a view of this core
    const core = this;
    return {
      config: this.config,
      rng: this.#rng,
      log: this.#log,
      table: this.table,
      get awareness() {
        return core.#awareness;
      },
      get queue() {
        return core.#queue;
      },
      timers: this.#timers,
      stats: this.#stats,
      selfId: this.table.selfId,
      send: (to, msg, first) => this.#send(to, msg, first),
      request: (to, msg, timeoutMs, onReply) => {
        const token = ++this.#token;
        this.#replies.set(token, onReply);
        this.#transmits.push({ kind: 'request', to, token, msg, timeoutMs });
      },
      emit: (e) => this.#emit(e),
      reject: (from, reason) => this.#reject(from, reason),
      nextSeq: () => (this.#seq = (this.#seq + 1) >>> 0),
      clusterSize: () => this.clusterSize(),
      changeAwareness: (delta) => {
        const before = this.#awareness.score;
        if (this.#awareness.apply(delta) !== before)
          this.#emit({ type: 'awarenessChanged', score: this.#awareness.score });
      },
      get leaving() {
        return core.#leaving;
      },
    };
  }
}
