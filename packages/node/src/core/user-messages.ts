import { LRUCache } from 'lru-cache';
import {
  ConfigProblems,
  InvalidArgumentError,
  LimitError,
  SignedBytes,
  type Address,
  type Instant,
  type RecordSigning,
} from '@trellis/runtime';
import { encodeMessage } from '../wire/msgpack-body.js';

/** Settings of the node's user messages (`node.broadcast`, `node.send`). */
export interface MessagesConfig {
  /** Relative share of each packet's gossip budget for user broadcasts when other news waits. */
  readonly broadcastShare: number;
  /** Largest broadcast payload, msgpack bytes: a broadcast travels piggybacked in one packet. */
  readonly payloadBytesMax: number;
  /** Largest `send` payload, msgpack bytes (it travels over the stream). */
  readonly sendBytesMax: number;
  /** Message ids remembered, so that each broadcast reaches the application at most once. */
  readonly dedupMax: number;
  /** How long `send` waits for the peer's acknowledgement. */
  readonly sendTimeoutMs: number;
}

export const defaultMessagesConfig: MessagesConfig = Object.freeze({
  broadcastShare: 0.2,
  // Leaves room for the envelope, the message's own fields and other news in a 1400-byte packet.
  payloadBytesMax: 1024,
  sendBytesMax: 1024 * 1024,
  dedupMax: 65_536,
  sendTimeoutMs: 5000,
});

export function parseMessagesConfig(input: Partial<MessagesConfig> = {}): MessagesConfig {
  const c = { ...defaultMessagesConfig, ...input };
  const p = new ConfigProblems();
  p.number('broadcastShare', c.broadcastShare, 0.05, 0.95);
  p.integer('payloadBytesMax', c.payloadBytesMax, 1, 1200);
  p.integer('sendBytesMax', c.sendBytesMax, 1, 16 * 1024 * 1024);
  p.integer('dedupMax', c.dedupMax, 16, 10_000_000);
  p.integer('sendTimeoutMs', c.sendTimeoutMs, 1, 600_000);
  for (const key of Object.keys(input))
    if (!Object.hasOwn(defaultMessagesConfig, key)) p.add(key, 'is not a messages setting');
  p.throwIfAny('messages config');
  return Object.freeze(c);
}

/** A user message that reached this node. */
export interface MessageReceived {
  readonly type: 'messageReceived';
  readonly topic: string;
  readonly payload: unknown;
  /** The id of the node that sent it (as it says: the sender is not authenticated). */
  readonly from: string;
  /** True for `send` (one peer, reliable), false for `broadcast` (everyone, best effort). */
  readonly direct: boolean;
}

export interface UserMessagesDeps {
  readonly selfId: string;
  /** The address peers send to us at: a signed send covers its recipient's. */
  readonly selfAddr: Address;
  readonly generation: number;
  readonly config: MessagesConfig;
  /** With identity on, messages carry their origin's signature and are checked before delivery. */
  readonly signing: RecordSigning;
  broadcast(key: string, msg: object): void;
  request(
    to: Address,
    msg: object,
    timeoutMs: number,
    onReply: (at: Instant, reply: unknown, error?: string) => void,
  ): void;
  deliver(e: MessageReceived): void;
  reject(from: Address, reason: string): void;
}

export const messagesClass = 'messages';
const topicMax = 64;
const idMax = 128;

/**
 * The application's own messages: epidemic broadcasts (memberlist's user broadcasts, Serf's user
 * events) in a broadcast class of their own, delivered at most once per node thanks to a window
 * of recent message ids; and direct sends over the reliable stream, acknowledged by the peer.
 * A broadcast's id is (origin, origin's generation, sequence), so a restarted node's new
 * messages never collide with its old ones in anyone's window.
 */
export class UserMessages {
  readonly #d: UserMessagesDeps;
  readonly #seen: LRUCache<string, true>;
  #seq = 0;

  constructor(deps: UserMessagesDeps) {
    this.#d = deps;
    // Bounded by size, not `max`: with `max` lru-cache preallocates its slots (1.4 MB per node at
    // the default 65,536), which is most of a 5,000-node simulation's heap.
    this.#seen = new LRUCache<string, true>({ maxSize: deps.config.dedupMax, sizeCalculation: () => 1 });
  }

  /** Queues a broadcast of `payload` under `topic`. Throws on a bad topic or an oversized payload. */
  broadcast(topic: string, payload: unknown): void {
    checkTopic(topic);
    encodedSize(payload, this.#d.config.payloadBytesMax, 'payloadBytesMax');
    const msg = { t: 'u', o: this.#d.selfId, g: this.#d.generation, q: ++this.#seq, tp: topic, p: payload };
    const id = idOf(msg.o, msg.g, msg.q);
    this.#seen.set(id, true);
    this.#d.broadcast(id, this.#signed(msg));
  }

  /** Sends `payload` to the node at `to`; `done(error?)` once the peer has it, or not. */
  send(to: Address, topic: string, payload: unknown, done: (error: string | undefined) => void): void {
    checkTopic(topic);
    encodedSize(payload, this.#d.config.sendBytesMax, 'sendBytesMax');
    const { selfId: o, generation: g, signing } = this.#d;
    // Signed, a send names its recipient and its place in our sequence: neither the recipient
    // nor an eavesdropper can hand it to another member, or deliver it twice.
    const msg = signing.enabled
      ? this.#signed({ t: 'us', o, g, q: ++this.#seq, tp: topic, p: payload }, to)
      : { t: 'us', o, tp: topic, p: payload };
    this.#d.request(to, msg, this.#d.config.sendTimeoutMs, (_at, reply, error) => {
      if (error !== undefined) done(error);
      else if (isObject(reply) && reply.t === 'usok') done(undefined);
      else done('badReply');
    });
  }

  /** A `u` datagram message: delivered and relayed the first time it is seen. */
  handleMessage(now: Instant, from: Address, msg: Readonly<Record<string, unknown>>): void {
    const { o, g, q, tp } = msg;
    if (!isText(o, idMax) || !isCount(g) || !isCount(q) || !isText(tp, topicMax, true))
      return this.#d.reject(from, 'message:malformed');
    if (o === this.#d.selfId) return;
    const id = idOf(o, g, q);
    if (this.#seen.has(id)) return;
    // Checked before it is marked seen: a forgery must not shadow the real message of that id.
    const refused = this.#check(now, { t: 'u', o, g, q, tp, p: msg.p, sg: msg.sg });
    if (refused !== undefined) return this.#d.reject(from, `message:${refused}`);
    this.#seen.set(id, true);
    this.#d.broadcast(id, { t: 'u', o, g, q, tp, p: msg.p, ...(msg.sg === undefined ? {} : { sg: msg.sg }) });
    this.#d.deliver({ type: 'messageReceived', topic: tp, payload: msg.p, from: o, direct: false });
  }

  /** A `us` stream request: delivered, then acknowledged. */
  handleRequest(now: Instant, from: Address, msg: Readonly<Record<string, unknown>>): object {
    const { o, tp } = msg;
    if (!isText(o, idMax) || !isText(tp, topicMax, true)) {
      this.#d.reject(from, 'message:malformed');
      return { t: 'err', reason: 'malformed' };
    }
    const { g, q } = msg;
    const signed = this.#d.signing.enabled;
    const refused =
      this.#check(now, { t: 'us', o, g, q, tp, p: msg.p, sg: msg.sg }, this.#d.selfAddr) ??
      (signed && (!isCount(g) || !isCount(q)) ? 'malformed' : undefined);
    if (refused !== undefined) {
      this.#d.reject(from, `message:${refused}`);
      return { t: 'err', reason: refused };
    }
    if (signed) {
      // A repeat (a replay, or a retry of one we took) is acknowledged, not delivered again.
      const id = `d:${idOf(o, g as number, q as number)}`;
      if (this.#seen.has(id)) return { t: 'usok' };
      this.#seen.set(id, true);
    }
    this.#d.deliver({ type: 'messageReceived', topic: tp, payload: msg.p, from: o, direct: true });
    return { t: 'usok' };
  }

  #signed(msg: Signable, to?: Address): object {
    const { signing } = this.#d;
    return signing.enabled ? { ...msg, sg: signing.sign(signedBytes(msg, to)) } : msg;
  }

  /** Why a peer's message is refused (not its origin's signature), or undefined. */
  #check(now: Instant, msg: Signable, to?: Address): string | undefined {
    const { signing } = this.#d;
    if (!signing.enabled) return undefined;
    if (!(msg.sg instanceof Uint8Array)) return 'unsigned';
    if (!signing.admitted(msg.o, now)) return 'unknownSigner';
    let bytes: Uint8Array;
    try {
      bytes = signedBytes(msg, to);
    } catch {
      return 'malformed';
    }
    return signing.verify(msg.o, bytes, msg.sg) ? undefined : 'badSignature';
  }
}

/**
 * What a message's signature covers: its kind, origin, id and topic, the payload as msgpack
 * (re-encoding what was decoded gives the sender's bytes back: both ends use one encoder), and
 * for a send the address it was sent to.
 */
function signedBytes(msg: Signable, to?: Address): Uint8Array {
  const bytes = new SignedBytes(`trellis-message-v1:${msg.t}`)
    .string(msg.o)
    .uint(typeof msg.g === 'number' ? msg.g : 0)
    .uint(typeof msg.q === 'number' ? msg.q : 0)
    .string(msg.tp)
    .bytes(encodeMessage(msg.p));
  if (to !== undefined) bytes.string(to);
  return bytes.finish();
}

interface Signable {
  readonly t: string;
  readonly o: string;
  readonly g?: unknown;
  readonly q?: unknown;
  readonly tp: string;
  readonly p: unknown;
  readonly sg?: unknown;
}

function idOf(origin: string, generation: number, seq: number): string {
  return `${origin.length}:${origin}/${generation}/${seq}`;
}

function checkTopic(topic: unknown): void {
  if (!isText(topic, topicMax, true))
    throw new InvalidArgumentError(`topic must be a string of at most ${topicMax} characters`);
}

function encodedSize(payload: unknown, max: number, limit: string): number {
  let bytes: number;
  try {
    bytes = encodeMessage(payload).length;
  } catch (error) {
    throw new InvalidArgumentError('payload cannot be encoded as msgpack', { cause: error });
  }
  if (bytes > max) throw new LimitError(limit, `payload is ${bytes} bytes, more than ${limit} (${max})`);
  return bytes;
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isText(x: unknown, max: number, emptyOk = false): x is string {
  return typeof x === 'string' && x.length <= max && (emptyOk || x.length > 0);
}

function isCount(x: unknown): x is number {
  return Number.isSafeInteger(x) && (x as number) >= 0;
}
