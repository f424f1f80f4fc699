import {
  InvalidArgumentError,
  InvalidStateError,
  describe,
  silentLogger,
  type Rng,
  type Address,
  type Instant,
  type Logger,
  type RecordSigning,
  noSigning,
} from '@trellis/runtime';
import { MemberTable, type MemberRecord, type MembershipConfig } from '@trellis/membership';
import type { AntiEntropySection } from './anti-entropy-section.js';
import { parseSwimConfig, type SwimConfig, type SwimProfile } from './config.js';
import { assembleCore, type CoreParts } from './core-parts.js';
import type { SwimEvent } from './events.js';
import type { UserMessageHandler, UserRequestHandler } from './inbox.js';
import type { ReplyHandler } from './context.js';
import type { SwimStats } from './stats.js';
import { handleTimeout } from './timer-dispatch.js';
import type { Transmit } from './transmit.js';

export interface SwimOptions {
  readonly id: string;
  /** The address peers reach us at (`host:port`). */
  readonly addr: Address;
  readonly meta?: Uint8Array;
  /** Start above every incarnation of a previous life: max(persisted + 1, unix time in ms) — what createNode uses. */
  readonly incarnation?: number;
  readonly now: Instant;
  readonly rng: Rng;
  readonly profile?: SwimProfile;
  readonly config?: Partial<SwimConfig>;
  readonly membership?: Partial<MembershipConfig>;
  readonly logger?: Logger;
  /** Bytes of each packet the driver needs for its envelope (version, encryption). */
  readonly envelopeReserveBytes?: number;
  /**
   * Other broadcast classes and their share of each packet, e.g. `{ routes: 0.5 }`; more can be
   * added later with `addBroadcastClass`.
   */
  readonly broadcastClasses?: Readonly<Record<string, number>>;
  /**
   * Node identity: member records are signed by their owner (suspicions and deaths by their
   * accuser) and checked against the certificates members present. Default: none.
   */
  readonly signing?: RecordSigning;
}

/**
 * SWIM with Lifeguard as a sans-IO core: feed it `handleMessage`, `handleRequest`,
 * `handleReply` and `handleTimeout`; drain `pollTransmit` and `pollEvent`; sleep until
 * `pollTimeout`. It never reads a clock, never draws an unseeded random number, and never
 * throws on peer input.
 */
export class Swim {
  readonly config: SwimConfig;
  readonly table: MemberTable;
  readonly #p: CoreParts;

  constructor(opts: SwimOptions) {
    this.config = parseSwimConfig(opts.config, opts.profile);
    const log = (opts.logger ?? silentLogger).child({ component: 'swim', self: opts.id });
    const self = { id: opts.id, addr: opts.addr, incarnation: opts.incarnation ?? 0 };
    this.table = new MemberTable(opts.meta ? { ...self, meta: opts.meta } : self, opts.now, opts.membership, {
      logger: log,
    });
    this.#p = assembleCore({
      config: this.config,
      table: this.table,
      rng: opts.rng,
      log,
      now: opts.now,
      signing: opts.signing ?? noSigning,
      budgetBytes: this.config.packetBudgetBytes - (opts.envelopeReserveBytes ?? 0),
      broadcastClasses: opts.broadcastClasses ?? {},
    });
    const { timers, pushPull } = this.#p;
    const t = opts.now;
    timers.set('probe', t + opts.rng.int(0, this.config.probeIntervalMs));
    timers.set('gossip', t + opts.rng.int(0, this.config.gossipIntervalMs));
    timers.set('sweep', t + this.config.tombstoneSweepIntervalMs);
    pushPull.start(t);
  }

  get selfId(): string {
    return this.table.selfId;
  }

  get leaving(): boolean {
    return this.#p.departure.leaving;
  }

  get awarenessScore(): number {
    return this.#p.awareness.score;
  }

  /**
   * Runs one push-pull exchange with a random live member now; `done(at, ok)` runs when it
   * ends. False (and no call) when there is nobody to ask.
   */
  syncWithRandomPeer(now: Instant, done: (at: Instant, ok: boolean) => void): boolean {
    return this.#p.pushPull.syncWithRandomPeer(now, done);
  }

  /** Sends one application message straight to `to` (with piggybacked news), not by gossip. */
  sendTo(to: Address, msg: object): void {
    this.#p.outbox.send(to, msg);
  }

  /** Registers another replicated table for push-pull anti-entropy. */
  addSection(section: AntiEntropySection): void {
    this.#p.sections.set(section.name, section);
  }

  /** Receives datagram messages whose type the core does not know. */
  onUserMessage(handler: UserMessageHandler): void {
    this.#p.inbox.onUserMessage(handler);
  }

  /**
   * Answers stream requests whose type the core does not know: `handleRequest` replies with
   * what `handler` returns, or `{ t: 'err', reason: 'unknown' }` when it returns `undefined`.
   */
  onUserRequest(handler: UserRequestHandler): void {
    this.#p.inbox.onUserRequest(handler);
  }

  /**
   * Sends `msg` as a request over the reliable stream (a `request` transmit); `onReply` runs
   * once, from `handleReply`, with the reply or the driver's error reason.
   */
  request(to: Address, msg: object, timeoutMs: number, onReply: ReplyHandler): void {
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
      throw new InvalidArgumentError(
        `request: timeoutMs must be a positive integer, got ${describe(timeoutMs)}`,
      );
    }
    this.#p.outbox.request(to, msg, timeoutMs, onReply);
  }

  /**
   * Adds a broadcast class with its share of each packet, in (0, 1], while the node runs.
   * Throws `BroadcastClassError` if it exists or the share is out of range.
   */
  addBroadcastClass(cls: string, share: number): void {
    this.#p.queue.addClass(cls, share);
  }

  /**
   * Queues application news in its broadcast class; newer news about `key` in that class
   * replaces older. Throws `BroadcastClassError` for a class never added.
   */
  broadcast(cls: string, key: string, msg: object): void {
    this.#p.queue.enqueue(cls, key, msg);
  }

  /** Joins through `seeds`, retrying with exponential backoff until one answers. */
  join(now: Instant, seeds: readonly Address[]): void {
    if (this.leaving) throw new InvalidStateError('join: this node has left');
    this.#p.joiner.join(now, seeds);
  }

  /** Gossips that we leave; `leaveCompleted` follows once the news is out (or time is up). */
  leave(now: Instant): void {
    const change = this.table.leave(now);
    if (change === undefined) return;
    this.#p.departure.start(now);
    this.#p.joiner.stop();
    this.#p.news.announceSelf(change);
  }

  /**
   * Changes our metadata (gossiped under a new incarnation). Throws `InvalidArgumentError` if
   * `meta` is not a Uint8Array or is longer than the membership `metaSizeMax`.
   */
  updateMeta(now: Instant, meta: Uint8Array): void {
    const max = this.table.config.metaSizeMax;
    if (!((meta as unknown) instanceof Uint8Array)) {
      throw new InvalidArgumentError(`updateMeta: meta must be a Uint8Array, got ${describe(meta)}`);
    }
    if (meta.length > max) {
      throw new InvalidArgumentError(
        `updateMeta: meta is ${meta.length} bytes, more than metaSizeMax ${max}`,
      );
    }
    const change = this.table.updateSelf({ meta }, now);
    if (change !== undefined) this.#p.news.announceSelf(change);
  }

  handleMessage(now: Instant, from: Address, raw: unknown): void {
    this.#p.inbox.handleMessage(now, from, raw);
  }

  /** Answers a request that arrived over the reliable stream. */
  handleRequest(now: Instant, from: Address, raw: unknown): object {
    return this.#p.inbox.handleRequest(now, from, raw);
  }

  /** The reply (or failure) of a request from `pollTransmit`. */
  handleReply(now: Instant, token: number, reply: unknown, error?: string): void {
    this.#p.outbox.handleReply(now, token, reply, error);
  }

  handleTimeout(now: Instant): void {
    handleTimeout(this.#p, now);
  }

  pollTransmit(): Transmit | undefined {
    // The certificate queries one input gave rise to go out as one datagram per peer.
    this.#p.queries.flush();
    return this.#p.outbox.pollTransmit();
  }

  pollEvent(): SwimEvent | undefined {
    return this.#p.outbox.pollEvent();
  }

  pollTimeout(): Instant | undefined {
    return this.#p.timers.earliest();
  }

  members(): MemberRecord[] {
    return this.table.all();
  }

  /** Members alive or suspect, self included unless it left (confirmed or not). */
  clusterSize(): number {
    return this.#p.live.size + (this.leaving ? 0 : 1);
  }

  stats(): Readonly<SwimStats> {
    const stats = this.#p.stats;
    return { ...stats, rejected: { ...stats.rejected } };
  }

  queueStats(): { pending: number; droppedAtBound: number; replaced: number; tooLarge: number } {
    return { pending: this.#p.queue.size, ...this.#p.queue.stats() };
  }
}
