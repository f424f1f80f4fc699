import type { Address, Instant } from '@trellis/runtime';
import { StoreRegistrationError, type NodeSignal, type Store } from '@trellis/store';

/**
 * Wire tags (the `t` of datagram messages and stream requests) that belong to the failure
 * detector and the node itself: a store may not take them.
 */
export const reservedTags: ReadonlySet<string> = new Set([
  // swim datagrams and requests
  'ping',
  'ack',
  'nack',
  'preq',
  'm',
  'sping',
  'join',
  'joinr',
  'pp',
  'pp1',
  'pp2',
  'pp2r',
  'pp3',
  'ok',
  'err',
  // the node's user messages
  'u',
  'us',
  'usok',
]);

/** Names taken by the failure detector's section and the node's own broadcast class. */
export const reservedNames: ReadonlySet<string> = new Set(['members', 'messages']);

const nameMax = 80;
const printable = /^[\x21-\x7e]+$/;

/**
 * The stores a node runs, by name and by wire tag: registration (with its checks), the routing
 * of records and requests to the store that owns their tag, and the loops the core runs over
 * every store (signals, timers, events). Knows no store in particular.
 */
export class StoreRegistry {
  readonly #byName = new Map<string, Store>();
  readonly #byTag = new Map<string, Store>();
  readonly #byRequestTag = new Map<string, Store>();

  /** Throws `StoreRegistrationError` when the name or a tag is malformed, reserved or taken. */
  check(store: Store): void {
    const problems: string[] = [];
    checkIdentifier('name', store.name, problems);
    if (reservedNames.has(store.name)) problems.push(`name ${JSON.stringify(store.name)} is reserved`);
    if (this.#byName.has(store.name))
      problems.push(`a store named ${JSON.stringify(store.name)} is registered`);
    for (const tag of [store.tag, ...(store.requestTags ?? [])]) {
      checkIdentifier('tag', tag, problems);
      if (reservedTags.has(tag)) problems.push(`tag ${JSON.stringify(tag)} is reserved`);
      const owner = this.#byTag.get(tag) ?? this.#byRequestTag.get(tag);
      if (owner !== undefined)
        problems.push(`tag ${JSON.stringify(tag)} is taken by store ${JSON.stringify(owner.name)}`);
    }
    if (new Set([store.tag, ...(store.requestTags ?? [])]).size !== 1 + (store.requestTags?.length ?? 0))
      problems.push('the store repeats one of its own tags');
    if (problems.length > 0)
      throw new StoreRegistrationError(
        `cannot register store ${JSON.stringify(store.name)}: ${problems.join('; ')}`,
      );
  }

  add(store: Store): void {
    this.check(store);
    this.#byName.set(store.name, store);
    this.#byTag.set(store.tag, store);
    for (const t of store.requestTags ?? []) this.#byRequestTag.set(t, store);
  }

  get(name: string): Store | undefined {
    return this.#byName.get(name);
  }

  all(): IterableIterator<Store> {
    return this.#byName.values();
  }

  /** Hands a datagram message to the store owning its tag; false if no store does. */
  routeRecord(now: Instant, from: Address, msg: Readonly<Record<string, unknown>>): boolean {
    const store = typeof msg.t === 'string' ? this.#byTag.get(msg.t) : undefined;
    if (store === undefined) return false;
    store.handleRecord(now, from, msg);
    return true;
  }

  /** The reply of the store owning a request's tag; undefined if no store does. */
  routeRequest(now: Instant, from: Address, msg: Readonly<Record<string, unknown>>): object | undefined {
    const store = typeof msg.t === 'string' ? this.#byRequestTag.get(msg.t) : undefined;
    return store?.handleRequest?.(now, from, msg);
  }

  signal(now: Instant, signal: NodeSignal): void {
    for (const s of this.#byName.values()) s.handleSignal(now, signal);
  }

  leave(now: Instant): void {
    for (const s of this.#byName.values()) s.leave(now);
  }

  handleTimeout(now: Instant): void {
    for (const s of this.#byName.values()) {
      const at = s.pollTimeout();
      if (at !== undefined && at <= now) s.handleTimeout(now);
    }
  }

  pollTimeout(): Instant | undefined {
    let t: Instant | undefined;
    for (const s of this.#byName.values()) {
      const at = s.pollTimeout();
      if (at !== undefined && (t === undefined || at < t)) t = at;
    }
    return t;
  }

  /** Drains every store's events, tagged with the store's name, in registration order. */
  drain(sink: (store: string, event: unknown) => void): void {
    for (const [name, s] of this.#byName)
      for (let ev = s.pollEvent(); ev !== undefined; ev = s.pollEvent()) sink(name, ev);
  }
}

function checkIdentifier(what: string, value: unknown, problems: string[]): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > nameMax || !printable.test(value))
    problems.push(`${what} must be 1 to ${nameMax} printable ASCII characters, got ${JSON.stringify(value)}`);
}
