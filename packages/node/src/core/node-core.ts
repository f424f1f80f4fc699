import { noSigning, silentLogger, type Address, type Instant } from '@trellis/runtime';
import { Swim, type SwimEvent, type SwimOptions, type Transmit } from '@trellis/swim';
import type { NodeSignal, Store, StoreContext } from '@trellis/store';
import { StoreRegistry } from './store-registry.js';
import {
  UserMessages,
  messagesClass,
  parseMessagesConfig,
  type MessageReceived,
  type MessagesConfig,
} from './user-messages.js';

export interface NodeCoreOptions extends SwimOptions {
  /** User messages (`broadcast`, `send`): share, size bounds, dedup window. */
  readonly messages?: Partial<MessagesConfig>;
}

/** An event of one of the node's stores, tagged with the store's name. */
export interface StoreEvent {
  readonly type: 'storeEvent';
  readonly store: string;
  readonly event: unknown;
}

export type NodeEvent = SwimEvent | StoreEvent | MessageReceived;

/**
 * The gossip node as one sans-IO core: the failure detector with its member table, the node's
 * user messages, and whatever stores are registered — each with a broadcast class and a
 * guaranteed share of every packet, an anti-entropy section, its wire tag, its timers and its
 * events. Membership changes reach every store as signals, with the `now` of the input that
 * caused them. The core holds no policy of any store.
 */
export class NodeCore {
  readonly swim: Swim;
  readonly generation: number;
  readonly #stores = new StoreRegistry();
  readonly #messages: UserMessages;
  readonly #events: NodeEvent[] = [];
  readonly #options: NodeCoreOptions;
  /** Drops of the node's own input (user messages) by reason; swim and stores count theirs. */
  readonly #rejected: Record<string, number> = {};

  constructor(options: NodeCoreOptions) {
    this.#options = options;
    // This life's records supersede the previous life's: the same number as our first incarnation.
    this.generation = Math.floor(options.incarnation ?? options.now);
    const messages = parseMessagesConfig(options.messages);
    this.swim = new Swim(options);
    this.swim.addBroadcastClass(messagesClass, messages.broadcastShare);
    this.#messages = new UserMessages({
      selfId: options.id,
      selfAddr: options.addr,
      generation: this.generation,
      config: messages,
      signing: options.signing ?? noSigning,
      broadcast: (key, msg) => this.swim.broadcast(messagesClass, key, msg),
      request: (to, msg, timeoutMs, onReply) => this.swim.request(to, msg, timeoutMs, onReply),
      deliver: (e) => this.#events.push(e),
      reject: (from, reason) => {
        this.#rejected[reason] = (this.#rejected[reason] ?? 0) + 1;
        this.#events.push({ type: 'messageRejected', from, reason });
      },
    });
    this.swim.onUserMessage((now, from, msg) => {
      if (msg.t === 'u') this.#messages.handleMessage(now, from, msg);
      else if (!this.#stores.routeRecord(now, from, msg)) return false;
      return true;
    });
    this.swim.onUserRequest((now, from, msg) =>
      msg.t === 'us'
        ? this.#messages.handleRequest(now, from, msg)
        : this.#stores.routeRequest(now, from, msg),
    );
  }

  get selfId(): string {
    return this.swim.selfId;
  }

  /** The context a store named `name` gets from this node. */
  storeContext(name: string, now: Instant): StoreContext {
    const swim = this.swim;
    return {
      name,
      selfId: this.selfId,
      generation: this.generation,
      now,
      rng: this.#options.rng.fork(`store:${name}`),
      logger: this.#options.logger ?? silentLogger,
      liveness: { member: (id) => swim.table.get(id), since: (id) => swim.table.statusSince(id) },
      signing: this.#options.signing ?? noSigning,
      broadcast: (key, msg) => swim.broadcast(name, key, msg),
      sendTo: (addr, msg) => swim.sendTo(addr, msg),
      sync: (at, done) => swim.syncWithRandomPeer(at, done),
      request: (to, msg, timeoutMs, onReply) => swim.request(to, msg, timeoutMs, onReply),
    };
  }

  /**
   * Plugs a store in: its broadcast class, its anti-entropy section, its wire tags. Throws
   * `StoreRegistrationError` (and changes nothing) when its name or a tag is taken or reserved.
   */
  register(store: Store): void {
    this.#stores.check(store);
    this.swim.addBroadcastClass(store.name, store.broadcastShare);
    this.swim.addSection({
      name: store.name,
      digest: () => store.digest(),
      records: (keys) => store.records(keys),
      allRecords: () => store.allRecords(),
      merge: (now, from, records) => {
        if (store.handleRecords !== undefined) store.handleRecords(now, from, records);
        else for (const r of records) store.handleRecord(now, from, r);
      },
    });
    this.#stores.add(store);
  }

  store(name: string): Store | undefined {
    return this.#stores.get(name);
  }

  /** Drops of user messages by reason (swim's are in `swim.stats().rejected`). */
  rejected(): Readonly<Record<string, number>> {
    return { ...this.#rejected };
  }

  join(now: Instant, seeds: readonly Address[]): void {
    if (seeds.length > 0) this.#stores.signal(now, { type: 'joining' });
    this.swim.join(now, seeds);
    this.#pump(now);
  }

  /** Withdraws what every store publishes, then gossips that we leave. */
  leave(now: Instant): void {
    this.#stores.leave(now);
    this.swim.leave(now);
    this.#pump(now);
  }

  /** Queues a user broadcast (throws on a bad topic or payload: nothing is sent then). */
  broadcast(now: Instant, topic: string, payload: unknown): void {
    this.#messages.broadcast(topic, payload);
    this.#pump(now);
  }

  /** Sends a user message to `to` over the stream; `done(error?)` when the peer has it (or not). */
  send(
    now: Instant,
    to: Address,
    topic: string,
    payload: unknown,
    done: (error: string | undefined) => void,
  ): void {
    this.#messages.send(to, topic, payload, done);
    this.#pump(now);
  }

  /** The messages of one decoded datagram, in order. */
  handleDatagram(now: Instant, from: Address, messages: readonly unknown[]): void {
    for (const msg of messages) this.swim.handleMessage(now, from, msg);
    this.#pump(now);
  }

  handleRequest(now: Instant, from: Address, msg: unknown): object {
    const reply = this.swim.handleRequest(now, from, msg);
    this.#pump(now);
    return reply;
  }

  handleReply(now: Instant, token: number, reply: unknown, error?: string): void {
    this.swim.handleReply(now, token, reply, error);
    this.#pump(now);
  }

  handleTimeout(now: Instant): void {
    const s = this.swim.pollTimeout();
    if (s !== undefined && s <= now) this.swim.handleTimeout(now);
    this.#pump(now);
    this.#stores.handleTimeout(now);
    this.#pump(now);
  }

  /** After a local command on a store (publish, withdraw, set...). */
  afterCommand(now: Instant): void {
    this.#pump(now);
  }

  pollTransmit(): Transmit | undefined {
    return this.swim.pollTransmit();
  }

  pollEvent(): NodeEvent | undefined {
    return this.#events.shift();
  }

  pollTimeout(): Instant | undefined {
    const s = this.swim.pollTimeout();
    const r = this.#stores.pollTimeout();
    if (s === undefined) return r;
    return r === undefined || s < r ? s : r;
  }

  /** Moves events out of the cores; membership changes and join progress reach every store. */
  #pump(now: Instant): void {
    for (let e = this.swim.pollEvent(); e !== undefined; e = this.swim.pollEvent()) {
      const signal = signalOf(e);
      if (signal !== undefined) this.#stores.signal(now, signal);
      this.#events.push(e);
    }
    this.#stores.drain((store, event) => this.#events.push({ type: 'storeEvent', store, event }));
  }
}

/** What a failure-detector event means to the stores, if anything. */
function signalOf(e: SwimEvent): NodeSignal | undefined {
  switch (e.type) {
    case 'memberJoined':
    case 'memberUpdated':
    case 'memberSuspected':
    case 'memberDied':
    case 'memberLeft':
      return { type: 'memberChanged', id: e.member.id, status: e.member.status };
    case 'joined':
      return { type: 'joined' };
    case 'joinAttemptFailed':
      return { type: 'joinAttemptFailed', attempt: e.attempt };
    case 'joinFailed':
      return { type: 'joinFailed' };
    default:
      return undefined;
  }
}
