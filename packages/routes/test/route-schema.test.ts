import test from 'ava';
import fc from 'fast-check';
import { RegisterTable, type RegisterTableOptions } from '@trellis/membership';
import {
  routeKey,
  routeRejectReasons,
  routeSchema,
  type RouteRejectReason,
  type RouteWire,
} from '../src/route-record.js';

const numRuns = process.env['TRELLIS_EXTENSIVE'] === '1' ? 5_000 : 100;
const seed = process.env['SEED'] === undefined ? 9090 : Number.parseInt(process.env['SEED'], 10);

const opts: RegisterTableOptions = { recordsMax: 100, tombstoneTtlMs: 1000, digestBuckets: 16 };

/** Route records in a register table (the route store's table), with lookups by overlay and owner. */
class RouteTable {
  readonly #t: RegisterTable<RouteWire, RouteRejectReason>;

  constructor(selfId: string, o: RegisterTableOptions) {
    this.#t = new RegisterTable(selfId, routeSchema, o);
  }

  get size(): number {
    return this.#t.size;
  }

  get(overlay: string, owner: string): RouteWire | undefined {
    return this.#t.get(routeKey(overlay, owner));
  }

  getByKey(key: string): RouteWire | undefined {
    return this.#t.get(key);
  }

  all(): IterableIterator<RouteWire> {
    return this.#t.all();
  }

  forOverlay(overlay: string): RouteWire[] {
    return [...this.#t.all()].filter((r) => r.o === overlay);
  }

  digest(): ReturnType<RegisterTable<RouteWire, RouteRejectReason>['digest']> {
    return this.#t.digest();
  }

  merge(raw: unknown, now: number): ReturnType<RegisterTable<RouteWire, RouteRejectReason>['merge']> {
    return this.#t.merge(raw, now);
  }

  setOwn(r: RouteWire, now: number): void {
    this.#t.setOwn(r, now);
  }

  collect(now: number): string[] {
    return this.#t.collect(now).map((r) => routeKey(r.o, r.w));
  }

  rejected(): Record<RouteRejectReason, number> {
    const seen = this.#t.rejected();
    return Object.fromEntries(routeRejectReasons.map((r) => [r, seen[r] ?? 0])) as Record<
      RouteRejectReason,
      number
    >;
  }
}

const rec = (w: string, g: number, v: number, over: Partial<RouteWire> = {}): RouteWire => ({
  t: 'r',
  o: 'dcos',
  w,
  g,
  v,
  st: 1,
  c: 100,
  s: 1,
  u: '10.0.0.1',
  vi: '44.128.0.2',
  vm: '70:b3:d5:80:00:02',
  ...over,
});

test('merge applies a new record, then newer versions, and reports the previous one', (t) => {
  const table = new RouteTable('self', opts);
  const a1 = rec('a', 1, 1);
  const first = table.merge(a1, 0);
  t.like(first, { kind: 'applied', previous: undefined });
  if (first.kind === 'applied') t.deepEqual(first.current, a1);
  t.is(table.size, 1);
  const a2 = rec('a', 1, 2, { u: '10.0.0.9' });
  const second = table.merge(a2, 5);
  t.is(second.kind, 'applied');
  if (second.kind === 'applied') {
    t.deepEqual(second.previous, a1);
    t.deepEqual(second.current, a2);
  }
  t.deepEqual(table.get('dcos', 'a'), a2);
  t.deepEqual(table.getByKey('dcos/a'), a2);
  // A new generation beats any version of the old one.
  t.is(table.merge(rec('a', 2, 0), 6).kind, 'applied');
  t.is(table.size, 1);
});

test('older records and duplicates are unchanged', (t) => {
  const table = new RouteTable('self', opts);
  t.is(table.merge(rec('a', 2, 5), 0).kind, 'applied');
  t.deepEqual(table.merge(rec('a', 2, 5), 1), { kind: 'unchanged' });
  t.deepEqual(table.merge(rec('a', 2, 4, { u: '10.0.0.7' }), 1), { kind: 'unchanged' });
  t.deepEqual(table.merge(rec('a', 1, 99), 1), { kind: 'unchanged' });
  t.is(table.get('dcos', 'a')?.v, 5);
  t.deepEqual(table.rejected(), {
    malformed: 0,
    invalidOverlay: 0,
    invalidOwner: 0,
    invalidVersion: 0,
    invalidSlice: 0,
    invalidAddress: 0,
    badSignature: 0,
    unknownSigner: 0,
    ownerGone: 0,
    clockSkew: 0,
    versionCeiling: 0,
    ownerFull: 0,
    tableFull: 0,
  });
});

test('a record about ourselves that would win is aboutSelf and is not stored', (t) => {
  const table = new RouteTable('self', opts);
  const remote = rec('self', 3, 1);
  t.deepEqual(table.merge(remote, 0), { kind: 'aboutSelf', remote });
  t.is(table.size, 0);
  table.setOwn(rec('self', 3, 4), 0);
  // Older news about us is nothing to act on.
  t.deepEqual(table.merge(rec('self', 3, 2), 1), { kind: 'unchanged' });
  t.deepEqual(table.merge(rec('self', 3, 4), 1), { kind: 'unchanged' });
  t.is(table.merge(rec('self', 3, 5), 1).kind, 'aboutSelf');
  t.is(table.get('dcos', 'self')?.v, 4);
});

test('malformed records are rejected and counted by reason, never thrown', (t) => {
  const table = new RouteTable('self', opts);
  t.deepEqual(table.merge(null, 0), { kind: 'rejected', reason: 'malformed' });
  t.deepEqual(table.merge({ ...rec('a', 1, 1), o: 'UPPER' }, 0), {
    kind: 'rejected',
    reason: 'invalidOverlay',
  });
  t.deepEqual(table.merge({ ...rec('a', 1, 1), u: '1.2.3.256' }, 0), {
    kind: 'rejected',
    reason: 'invalidAddress',
  });
  t.deepEqual(table.merge({ ...rec('a', 1, 1), vm: 'nope' }, 0), {
    kind: 'rejected',
    reason: 'invalidAddress',
  });
  t.deepEqual(table.merge({ ...rec('a', 1, 1), v: -1 }, 0), { kind: 'rejected', reason: 'invalidVersion' });
  const r = table.rejected();
  t.like(r, { malformed: 1, invalidOverlay: 1, invalidAddress: 2, invalidVersion: 1, tableFull: 0 });
  t.is(table.size, 0);
  // A copy: callers cannot reset the counters.
  (r as Record<string, number>)['malformed'] = 0;
  t.is(table.rejected().malformed, 1);
});

test('recordsMax refuses new keys (tableFull) but still updates existing ones', (t) => {
  const table = new RouteTable('self', { ...opts, recordsMax: 2 });
  t.is(table.merge(rec('a', 1, 1), 0).kind, 'applied');
  t.is(table.merge(rec('b', 1, 1), 0).kind, 'applied');
  t.deepEqual(table.merge(rec('c', 1, 1), 0), { kind: 'rejected', reason: 'tableFull' });
  t.deepEqual(table.merge(rec('a', 1, 1, { o: 'other' }), 0), { kind: 'rejected', reason: 'tableFull' });
  t.is(table.rejected().tableFull, 2);
  t.is(table.merge(rec('a', 1, 2), 0).kind, 'applied', 'an update of a held key is no new key');
  t.is(table.size, 2);
  t.is(table.get('dcos', 'c'), undefined);
});

test('collect removes withdrawn records only after tombstoneTtlMs since they were stored', (t) => {
  const table = new RouteTable('self', opts);
  table.merge(rec('a', 1, 1), 0);
  table.merge(rec('b', 1, 1), 0);
  table.merge(rec('a', 1, 2, { st: 2 }), 500);
  table.setOwn(rec('self', 1, 2, { st: 2 }), 700);
  t.deepEqual(table.collect(1499), []);
  t.is(table.size, 3);
  t.deepEqual(table.collect(1500), ['dcos/a']);
  t.is(table.get('dcos', 'a'), undefined);
  t.deepEqual(
    [...table.forOverlay('dcos')].map((r) => r.w),
    ['b', 'self'],
  );
  t.is(table.digest().size, 2);
  t.deepEqual(table.collect(1700), ['dcos/self']);
  t.deepEqual(table.collect(1_000_000), [], 'a live record is never collected');
  t.is(table.size, 1);
  // After collection an old copy is news again (tombstones bound how long old copies are refused).
  t.is(table.merge(rec('a', 1, 1), 1_000_001).kind, 'applied');
});

test('forOverlay lists one overlay; all lists every record', (t) => {
  const table = new RouteTable('self', opts);
  table.merge(rec('a', 1, 1), 0);
  table.merge(rec('b', 1, 1), 0);
  table.merge(rec('a', 1, 1, { o: 'blue' }), 0);
  t.deepEqual([...table.forOverlay('dcos')].map((r) => r.w).sort(), ['a', 'b']);
  t.deepEqual(
    [...table.forOverlay('blue')].map((r) => r.w),
    ['a'],
  );
  t.deepEqual([...table.forOverlay('none')], []);
  t.is([...table.all()].length, 3);
  t.is(table.get('blue', 'b'), undefined);
  // forOverlay sees the latest version.
  table.merge(rec('a', 1, 2, { s: 9 }), 0);
  t.is([...table.forOverlay('dcos')].find((r) => r.w === 'a')?.s, 9);
});

const recordsArb = fc.array(
  fc.record({
    w: fc.constantFrom('a', 'b', 'c', 'd', 'self'),
    o: fc.constantFrom('dcos', 'blue'),
    g: fc.integer({ min: 0, max: 2 }),
    v: fc.integer({ min: 0, max: 3 }),
    st: fc.constantFrom(0 as const, 1 as const, 2 as const),
    s: fc.integer({ min: 0, max: 3 }),
  }),
  { maxLength: 30 },
);

test('tables that merged the same records in any order agree, digest root included (fast-check)', (t) => {
  const details = fc.check(
    fc.property(
      recordsArb.chain((fs) =>
        fc.tuple(fc.constant(fs), fc.shuffledSubarray(fs, { minLength: fs.length, maxLength: fs.length })),
      ),
      ([fields, shuffled]) => {
        const x = new RouteTable('self', opts);
        const y = new RouteTable('self', opts);
        for (const f of fields) x.merge(rec(f.w, f.g, f.v, f), 0);
        for (const f of shuffled) y.merge(rec(f.w, f.g, f.v, f), 0);
        const sorted = (tb: RouteTable) => JSON.stringify([...tb.all()].map((r) => JSON.stringify(r)).sort());
        // The same records again change nothing.
        const idempotent = fields.every((f) => y.merge(rec(f.w, f.g, f.v, f), 1).kind !== 'applied');
        return (
          sorted(x) === sorted(y) &&
          JSON.stringify(x.digest().root()) === JSON.stringify(y.digest().root()) &&
          idempotent
        );
      },
    ),
    { numRuns, seed },
  );
  t.false(details.failed, `counterexample ${fc.stringify(details.counterexample)} SEED=${seed}`);
});

test('one differing record changes the digest root, and joining it restores agreement', (t) => {
  const x = new RouteTable('self', opts);
  const y = new RouteTable('self', opts);
  for (const w of ['a', 'b', 'c']) {
    x.merge(rec(w, 1, 1), 0);
    y.merge(rec(w, 1, 1), 0);
  }
  t.deepEqual(x.digest().root(), y.digest().root());
  y.merge(rec('b', 1, 2), 0);
  t.notDeepEqual(x.digest().root(), y.digest().root());
  x.merge(rec('b', 1, 2), 0);
  t.deepEqual(x.digest().root(), y.digest().root());
  // Content alone (same g, v) shows in the digest too.
  const z = new RouteTable('self', opts);
  for (const w of ['a', 'c']) z.merge(rec(w, 1, 1), 0);
  z.merge(rec('b', 1, 2, { u: '10.0.0.99' }), 0);
  t.notDeepEqual(x.digest().root(), z.digest().root());
  t.deepEqual(x.digest().versionOf('dcos/a'), z.digest().versionOf('dcos/a'));
  t.notDeepEqual(x.digest().versionOf('dcos/b'), z.digest().versionOf('dcos/b'));
});
