import { Hash64, type RegisterSchema } from '@trellis/membership';
import type { Address, FieldSink, Instant } from '@trellis/runtime';
import { ConvergedView } from '../../src/converged-view.js';
import type { OwnerRegisterConfig } from '../../src/owner-register-config.js';
import { OwnerRegisterStore } from '../../src/owner-register-store.js';
import type { StoreContext } from '../../src/store-context.js';
import { StoreTestbed } from '../../src/testbed/index.js';

/** The smallest kind of record: a note per owner and key. */
export interface Note {
  readonly t: 'n';
  readonly w: string;
  readonly k: string;
  readonly g: number;
  readonly v: number;
  readonly st: 0 | 1;
  readonly x: string;
}

/** Every field of a note, in one order: for its digest hash and its signature alike. */
function noteFields(r: Note, f: FieldSink): void {
  f.string(r.w);
  f.string(r.k);
  f.uint(r.g);
  f.uint(r.v);
  f.uint(r.st);
  f.string(r.x);
}

const schema: RegisterSchema<Note, 'malformed'> = {
  validate: (raw) => {
    const r = raw as Partial<Note> | null;
    if (
      r === null ||
      typeof r !== 'object' ||
      r.t !== 'n' ||
      typeof r.w !== 'string' ||
      typeof r.k !== 'string'
    )
      return { ok: false, reason: 'malformed' };
    if (
      !Number.isSafeInteger(r.g) ||
      !Number.isSafeInteger(r.v) ||
      (r.st !== 0 && r.st !== 1) ||
      typeof r.x !== 'string'
    )
      return { ok: false, reason: 'malformed' };
    return { ok: true, record: Object.freeze({ ...(r as Note) }) };
  },
  key: (r) => `${r.w}/${r.k}`,
  owner: (r) => r.w,
  compare: (a, b) =>
    a.g !== b.g
      ? a.g < b.g
        ? -1
        : 1
      : a.v !== b.v
        ? a.v < b.v
          ? -1
          : 1
        : a.x === b.x && a.st === b.st
          ? 0
          : `${a.x}${a.st}` < `${b.x}${b.st}`
            ? -1
            : 1,
  hash: (r) => {
    const h = new Hash64(1);
    noteFields(r, h);
    return h.digest();
  },
  isTombstone: (r) => r.st === 1,
};

export type NoteEvent =
  { type: 'notesChanged'; added: number; removed: number } | { type: 'noteRejected'; reason: string };

export class NoteStore extends OwnerRegisterStore<Note, 'malformed', NoteEvent> {
  readonly view = new ConvergedView<Note>();

  constructor(ctx: StoreContext, config: Partial<OwnerRegisterConfig> = {}) {
    super({
      ctx,
      tag: 'n',
      schema,
      fields: noteFields,
      config: {
        graceMs: 100,
        reapMs: 1000,
        tombstoneTtlMs: 1000,
        recordsMax: 100,
        digestBuckets: 16,
        recomputeDelayMs: 10,
        adoptWindowMs: 500,
        broadcastShare: 0.2,
        ...config,
      },
    });
  }

  put(now: Instant, k: string, x: string): Note {
    return this.publishOwn(now, { t: 'n', w: this.ctx.selfId, k, g: 0, v: 0, st: 0, x });
  }

  remove(now: Instant, k: string): Note | undefined {
    return this.withdrawOwn(now, `${this.ctx.selfId}/${k}`);
  }

  stats() {
    return this.baseStats();
  }

  protected override tombstoneOf(r: Note): Note {
    return { ...r, st: 1 };
  }

  protected override rejectedEvent(_from: Address, reason: string): NoteEvent {
    return { type: 'noteRejected', reason };
  }

  protected override recompute(now: Instant): void {
    const next = new Map<string, Note>();
    for (const r of this.table.all()) {
      if (r.st !== 0) continue;
      const shown = r.w === this.ctx.selfId ? this.ownRecord(schema.key(r)) === r : this.visible(r.w, now);
      if (shown) next.set(schema.key(r), r);
    }
    const d = this.view.replace(next);
    if (d !== undefined)
      this.emit({ type: 'notesChanged', added: d.added.length, removed: d.removed.length });
  }
}

export function setup(config: Partial<OwnerRegisterConfig> = {}) {
  const bed = new StoreTestbed({ selfId: 'me', generation: 100 });
  const store = new NoteStore(bed.context('notes'), config);
  return { bed, store };
}

export const note = (w: string, k: string, g: number, v: number, over: Partial<Note> = {}): Note => ({
  t: 'n',
  w,
  k,
  g,
  v,
  st: 0,
  x: 'hello',
  ...over,
});
