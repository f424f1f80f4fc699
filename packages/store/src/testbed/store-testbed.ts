import {
  noSigning,
  Rng,
  silentLogger,
  type Address,
  type Instant,
  type Logger,
  type RecordSigning,
} from '@trellis/runtime';
import type { MemberRecord, MemberStatus } from '@trellis/membership';
import type { Store } from '../store.js';
import type { ReplyHandler, StoreContext } from '../store-context.js';

export interface TestbedOptions {
  readonly selfId?: string;
  readonly generation?: number;
  readonly seed?: number;
  readonly logger?: Logger;
  /** How stores sign and check records (default: no identity). */
  readonly signing?: RecordSigning;
  /** Answers `ctx.sync`: false (nobody to sync with) unless given. */
  readonly sync?: (now: Instant, done: (at: Instant, ok: boolean) => void) => boolean;
}

/**
 * A store's world without a node: a virtual clock, a member table the test edits, and spies on
 * everything the store sends. For unit tests of stores (trellis' own, and yours).
 *
 * ```ts
 * const bed = new StoreTestbed({ selfId: 'self' });
 * const store = new MyStore(bed.context('mine'));
 * bed.member('peer', 'alive');
 * store.handleRecord(bed.now, 'peer:7946', record);
 * bed.advance(store, 1000);
 * ```
 */
export class StoreTestbed {
  readonly selfId: string;
  readonly generation: number;
  readonly broadcasts: { key: string; msg: object }[] = [];
  readonly sent: { addr: Address; msg: object }[] = [];
  readonly requests: { to: Address; msg: object; onReply: ReplyHandler }[] = [];
  readonly #members = new Map<string, { record: MemberRecord; since: Instant }>();
  readonly #opts: TestbedOptions;
  #now: Instant = 0;

  constructor(opts: TestbedOptions = {}) {
    this.#opts = opts;
    this.selfId = opts.selfId ?? 'self';
    this.generation = opts.generation ?? 1000;
  }

  get now(): Instant {
    return this.#now;
  }

  context(name: string): StoreContext {
    return {
      name,
      selfId: this.selfId,
      generation: this.generation,
      now: this.#now,
      rng: Rng.fromSeed(this.#opts.seed ?? 1).fork(name),
      logger: this.#opts.logger ?? silentLogger,
      liveness: {
        member: (id) => this.#members.get(id)?.record,
        since: (id) => this.#members.get(id)?.since,
      },
      signing: this.#opts.signing ?? noSigning,
      broadcast: (key, msg) => this.broadcasts.push({ key, msg }),
      sendTo: (addr, msg) => this.sent.push({ addr, msg }),
      sync: (now, done) => this.#opts.sync?.(now, done) ?? false,
      request: (to, msg, _timeoutMs, onReply) => this.requests.push({ to, msg, onReply }),
    };
  }

  /**
   * Sets a member's status now (at `incarnation`, by default the generation the testbed gives
   * every node); `undefined` forgets it, as a collected tombstone is forgotten. Tell the store
   * with `signal` when the test wants it to recompute.
   */
  member(id: string, status: MemberStatus | undefined, incarnation = this.generation): void {
    if (status === undefined) this.#members.delete(id);
    else {
      const record: MemberRecord = { id, addr: `${id}:7946`, incarnation, status, meta: new Uint8Array() };
      this.#members.set(id, { record, since: this.#now });
    }
  }

  /** `member`, then the membership signal a node would give every store. */
  memberChanged(store: Store, id: string, status: MemberStatus, incarnation?: number): void {
    this.member(id, status, incarnation);
    store.handleSignal(this.#now, { type: 'memberChanged', id, status });
  }

  /** Runs every timer of `stores` due up to `until` (inclusive), then sets the clock to it. */
  advance(stores: Store | readonly Store[], until: Instant): void {
    const list = Array.isArray(stores) ? (stores as readonly Store[]) : [stores as Store];
    for (;;) {
      let next: { store: Store; at: Instant } | undefined;
      for (const s of list) {
        const at = s.pollTimeout();
        if (at !== undefined && at <= until && (next === undefined || at < next.at)) next = { store: s, at };
      }
      if (next === undefined) break;
      this.#now = Math.max(this.#now, next.at);
      next.store.handleTimeout(this.#now);
    }
    this.#now = Math.max(this.#now, until);
  }

  /** Every event the store has queued, drained. */
  events<E>(store: Store<E>): E[] {
    const out: E[] = [];
    for (let e = store.pollEvent(); e !== undefined; e = store.pollEvent()) out.push(e);
    return out;
  }
}
