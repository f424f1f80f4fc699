import { Hash64, type RegisterSchema } from '@trellis/membership';
import type { Address, FieldSink, Instant } from '@trellis/runtime';
import { ConvergedView, OwnerRegisterStore, type StoreContext } from '@trellis/store';
import { StoreTestbed } from '@trellis/store/testbed';

/** One status line per node: the smallest owner-register record. */
interface Status {
  readonly t: 'status';
  readonly w: string; // owner
  readonly g: number; // generation
  readonly v: number; // version
  readonly st: 0 | 1; // 1: withdrawn
  readonly text: string;
}

/** Every field, in one order: what the digest hashes and, with identity on, what is signed. */
function statusFields(r: Status, f: FieldSink): void {
  f.string(r.w);
  f.uint(r.g);
  f.uint(r.v);
  f.uint(r.st);
  f.string(r.text);
}

const schema: RegisterSchema<Status, 'malformed'> = {
  // The one point where a peer's record becomes a typed value: it must never throw.
  validate: (raw) => {
    const r = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    const { w, g, v, st, text } = r;
    if (r.t !== 'status' || typeof w !== 'string' || typeof text !== 'string' || text.length > 200)
      return { ok: false, reason: 'malformed' };
    if (!Number.isSafeInteger(g) || !Number.isSafeInteger(v) || (st !== 0 && st !== 1))
      return { ok: false, reason: 'malformed' };
    return { ok: true, record: Object.freeze({ t: 'status', w, g: g as number, v: v as number, st, text }) };
  },
  key: (r) => r.w,
  owner: (r) => r.w,
  compare: (a, b) =>
    Math.sign(a.g - b.g || a.v - b.v || a.st - b.st || (a.text < b.text ? -1 : a.text > b.text ? 1 : 0)) as
      -1 | 0 | 1,
  hash: (r) => {
    const h = new Hash64(7);
    statusFields(r, h);
    return h.digest();
  },
  isTombstone: (r) => r.st === 1,
};

type StatusEvent = { readonly type: 'statusChanged'; readonly lines: readonly string[] };

class StatusStore extends OwnerRegisterStore<Status, 'malformed', StatusEvent> {
  readonly #view = new ConvergedView<Status>();

  constructor(ctx: StoreContext) {
    super({
      ctx,
      tag: 'status',
      schema,
      fields: statusFields,
      config: {
        graceMs: 10_000,
        reapMs: 600_000,
        tombstoneTtlMs: 1_800_000,
        recordsMax: 10_000,
        digestBuckets: 64,
        recomputeDelayMs: 50,
        adoptWindowMs: 30_000,
        broadcastShare: 0.1,
      },
    });
  }

  say(now: Instant, text: string): void {
    this.publishOwn(now, { t: 'status', w: this.ctx.selfId, g: 0, v: 0, st: 0, text });
  }

  protected override tombstoneOf(r: Status): Status {
    return { ...r, st: 1 };
  }

  protected override rejectedEvent(_from: Address, _reason: string): undefined {
    return undefined; // counted in stats; not worth an event here
  }

  protected override recompute(now: Instant): void {
    const next = new Map<string, Status>();
    for (const r of this.table.all())
      if (r.st === 0 && (r.w === this.ctx.selfId || this.visible(r.w, now))) next.set(r.w, r);
    if (this.#view.replace(next) !== undefined)
      this.emit({ type: 'statusChanged', lines: [...next.values()].map((r) => `${r.w}: ${r.text}`).sort() });
  }
}

// A unit test's world: a virtual clock, members the test sets, spies on what the store sends.
const bed = new StoreTestbed({ selfId: 'me' });
const store = new StatusStore(bed.context('status'));
store.say(bed.now, 'deploying');
bed.member('peer', 'alive');
store.handleRecord(bed.now, 'peer:7946', { t: 'status', w: 'peer', g: 1, v: 0, st: 0, text: 'idle' });
bed.advance(store, 100);
console.log(bed.events(store)); // [{ type: 'statusChanged', lines: ['me: deploying', 'peer: idle'] }]
console.log(bed.broadcasts.map((b) => b.key)); // ['me', 'peer']: our write, and the relay of the peer's
bed.memberChanged(store, 'peer', 'left');
bed.advance(store, 200);
console.log(bed.events(store)); // [{ type: 'statusChanged', lines: ['me: deploying'] }]
