import test from 'ava';
import { Hash64 } from '../src/entry-hash.js';
import { RegisterTable, type RegisterSchema } from '../src/register-table.js';

/** A record with a byte field, a nested array and an optional field, as routes and tasks have. */
interface Rec {
  readonly w: string;
  readonly v: number;
  readonly nw: readonly (readonly string[])[];
  readonly b: Uint8Array;
  readonly sg?: Uint8Array;
}

let validated = 0;
const schema: RegisterSchema<Rec, 'malformed'> = {
  validate: (raw) => {
    validated++;
    const r = raw as Partial<Rec> | null;
    let ok = false;
    try {
      ok =
        typeof r?.w === 'string' &&
        typeof r.v === 'number' &&
        Array.isArray(r.nw) &&
        r.b instanceof Uint8Array &&
        (r.sg === undefined || (r.sg instanceof Uint8Array && r.sg.length === 2));
    } catch {
      // A hostile getter is malformed input (the rule every schema's validate keeps).
    }
    if (!ok || r === null) return { ok: false, reason: 'malformed' };
    return {
      ok: true,
      record: Object.freeze({ w: r.w!, v: r.v!, nw: r.nw!, b: r.b!, ...(r.sg ? { sg: r.sg } : {}) }),
    };
  },
  key: (r) => r.w,
  owner: (r) => r.w,
  compare: (a, b) => (a.v === b.v ? 0 : a.v < b.v ? -1 : 1),
  hash: (r) => new Hash64(1).string(r.w).uint(r.v).digest(),
  isTombstone: () => false,
};

const raw = (extra: object = {}) => ({
  w: 'a',
  v: 2,
  nw: [['dcos', '9.0.0.2']],
  b: Uint8Array.of(1, 2),
  ...extra,
});

test('a copy of a held record is unchanged without validation; anything else is validated', (t) => {
  const tab = new RegisterTable('me', schema, { recordsMax: 10, tombstoneTtlMs: 1000, digestBuckets: 4 });
  t.like(tab.merge(raw(), 0), { kind: 'applied' });
  validated = 0;
  // Gossip repeats: fresh decoded objects equal to what we hold, field by field.
  for (let i = 0; i < 5; i++) t.like(tab.merge(raw(), 0), { kind: 'unchanged' });
  t.is(validated, 0, 'copies skip validation');
  // Not copies: each takes the full path, and what validation says still counts.
  t.like(tab.merge(raw({ sg: Uint8Array.of(9) }), 0), { kind: 'rejected', reason: 'malformed' });
  t.like(tab.merge(raw({ b: [1, 2] }), 0), { kind: 'rejected', reason: 'malformed' });
  t.like(tab.merge(raw({ nw: [['dcos', '9.0.0.3']] }), 0), { kind: 'unchanged' }, 'older or equal order');
  t.like(tab.merge(raw({ v: 3 }), 0), { kind: 'applied' });
  t.is(validated, 4);
  t.deepEqual(tab.rejected(), { malformed: 2 });
  const hostile = Object.defineProperty(raw({ v: 3 }), 'nw', {
    enumerable: true,
    get() {
      throw new Error('boom');
    },
  });
  t.like(tab.merge(hostile, 0), { kind: 'rejected', reason: 'malformed' });
});
