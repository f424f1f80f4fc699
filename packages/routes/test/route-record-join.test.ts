import test from 'ava';
import fc from 'fast-check';
import { compareRouteWire, joinRouteWire, routeHash, type RouteWire } from '../src/route-record.js';
import { valid } from './helpers/valid-route.js';

const numRuns = process.env['TRELLIS_EXTENSIVE'] === '1' ? 20_000 : 300;
const seed = process.env['SEED'] === undefined ? 7117 : Number.parseInt(process.env['SEED'], 10);

// ---- The join: a per-key LWW register over (generation, version), content as the tie-break ----

/**
 * Records of one key (same overlay and owner) from small ranges, so equal (g, v) with different
 * content — the forgery case the content tie-break exists for — comes up often.
 */
const recordArb: fc.Arbitrary<RouteWire> = fc
  .record({
    g: fc.integer({ min: 0, max: 2 }),
    v: fc.integer({ min: 0, max: 2 }),
    st: fc.constantFrom(0 as const, 1 as const, 2 as const),
    c: fc.integer({ min: 0, max: 2 }),
    s: fc.integer({ min: 0, max: 2 }),
    u: fc.constantFrom('10.0.0.1', '10.0.0.2'),
    vi: fc.constantFrom('44.128.0.1', '44.128.0.2'),
    vm: fc.constantFrom('70:b3:d5:80:00:01', '70:b3:d5:80:00:02'),
  })
  .map((f) => Object.freeze({ t: 'r' as const, o: 'dcos', w: 'agent-1', ...f }));

const same = (a: RouteWire, b: RouteWire): boolean => compareRouteWire(a, b) === 0;
/** Field-by-field equality, independent of the comparison under test. */
const sameFields = (a: RouteWire, b: RouteWire): boolean => JSON.stringify(a) === JSON.stringify(b);

type Join = (a: RouteWire, b: RouteWire) => RouteWire;

function check<Ts>(property: fc.IProperty<Ts>): string | undefined {
  const d = fc.check(property, { numRuns, seed });
  return d.failed ? `counterexample ${fc.stringify(d.counterexample)}` : undefined;
}

const laws: readonly { name: string; check: (join: Join) => string | undefined }[] = [
  {
    name: 'commutative',
    check: (join) => check(fc.property(recordArb, recordArb, (a, b) => sameFields(join(a, b), join(b, a)))),
  },
  {
    name: 'associative',
    check: (join) =>
      check(
        fc.property(recordArb, recordArb, recordArb, (a, b, c) =>
          sameFields(join(join(a, b), c), join(a, join(b, c))),
        ),
      ),
  },
  {
    name: 'idempotent',
    check: (join) => check(fc.property(recordArb, (a) => sameFields(join(a, a), a))),
  },
  {
    name: 'the higher (generation, version) wins whatever the content',
    check: (join) =>
      check(
        fc.property(recordArb, recordArb, (a, b) => {
          fc.pre(a.g !== b.g || a.v !== b.v);
          const newer = a.g > b.g || (a.g === b.g && a.v > b.v) ? a : b;
          return sameFields(join(a, b), newer) && sameFields(join(b, a), newer);
        }),
      ),
  },
];

test('joinRouteWire is commutative, associative, idempotent and (g, v)-ordered (fast-check)', (t) => {
  for (const law of laws) {
    const failure = law.check(joinRouteWire);
    t.is(failure, undefined, `${law.name}: ${failure ?? ''} SEED=${seed}`);
  }
});

test('the generators produce the interesting case: equal (g, v), different content', (t) => {
  const sample = fc.sample(fc.tuple(recordArb, recordArb), { numRuns: 300, seed });
  const hits = sample.filter(([a, b]) => a.g === b.g && a.v === b.v && !sameFields(a, b)).length;
  t.true(hits >= 10, `only ${hits} of 300 pairs`);
});

test('compareRouteWire is a total order, 0 only for equal content, and the join returns its max', (t) => {
  const failure = check(
    fc.property(recordArb, recordArb, recordArb, (a, b, c) => {
      const ab = compareRouteWire(a, b);
      // Antisymmetric, and 0 exactly for equal fields (the wire form has no hidden content).
      if (ab !== -compareRouteWire(b, a)) return false;
      if ((ab === 0) !== sameFields(a, b)) return false;
      // Transitive.
      if (ab <= 0 && compareRouteWire(b, c) <= 0 && compareRouteWire(a, c) > 0) return false;
      // Consistent with the join: the join is the maximum, and it is an upper bound.
      const j = joinRouteWire(a, b);
      if (!same(j, ab >= 0 ? a : b)) return false;
      return compareRouteWire(j, a) >= 0 && compareRouteWire(j, b) >= 0;
    }),
  );
  t.is(failure, undefined, `${failure ?? ''} SEED=${seed}`);
});

test('examples: generation beats version, version beats content, content breaks ties alike', (t) => {
  const older = { ...valid, g: 1, v: 99 };
  const newer = { ...valid, g: 2, v: 0 };
  t.is(joinRouteWire(older, newer), newer);
  t.is(joinRouteWire(newer, older), newer);
  const v1 = { ...valid, v: 1, st: 2 as const };
  const v2 = { ...valid, v: 2, st: 0 as const };
  t.is(joinRouteWire(v1, v2), v2, 'a tombstone does not beat a newer version');
  const x = { ...valid, u: '10.0.0.1' };
  const y = { ...valid, u: '10.0.0.2' };
  t.is(joinRouteWire(x, y), y);
  t.is(joinRouteWire(y, x), y);
  t.is(compareRouteWire(valid, { ...valid }), 0);
});

test('routeHash differs in any field and is equal for equal content', (t) => {
  t.deepEqual(routeHash(valid), routeHash({ ...valid }));
  const variants: RouteWire[] = [
    { ...valid, o: 'other' },
    { ...valid, w: 'agent-2' },
    { ...valid, g: valid.g + 1 },
    { ...valid, v: valid.v + 1 },
    { ...valid, st: 0 },
    { ...valid, c: valid.c + 1 },
    { ...valid, s: valid.s + 1 },
    { ...valid, u: '10.0.0.2' },
    { ...valid, vi: '44.128.0.7' },
    { ...valid, vm: '70:b3:d5:80:00:07' },
  ];
  const base = JSON.stringify(routeHash(valid));
  for (const r of variants) t.not(JSON.stringify(routeHash(r)), base, JSON.stringify(r));
});

// Deliberately broken joins: the law checks must find a counterexample for each.
const byGv = (a: RouteWire, b: RouteWire): RouteWire | undefined =>
  a.g !== b.g ? (a.g > b.g ? a : b) : a.v !== b.v ? (a.v > b.v ? a : b) : undefined;

const brokenJoins: Readonly<Record<string, Join>> = {
  'at equal (g, v) prefer the right argument': (a, b) => byGv(a, b) ?? b,
  'at equal (g, v) prefer the left argument': (a, b) => byGv(a, b) ?? a,
  'version before generation': (a, b) =>
    a.v !== b.v ? (a.v > b.v ? a : b) : a.g !== b.g ? (a.g > b.g ? a : b) : joinRouteWire(a, b),
  'the lower (g, v) wins': (a, b) => {
    const w = byGv(a, b);
    return w === undefined ? joinRouteWire(a, b) : w === a ? b : a;
  },
  'fields joined independently (max state)': (a, b) => ({
    ...joinRouteWire(a, b),
    st: a.st > b.st ? a.st : b.st,
  }),
};

for (const [name, join] of Object.entries(brokenJoins)) {
  test(`mutation check catches: ${name}`, (t) => {
    const caughtBy = laws.filter((l) => l.check(join) !== undefined).map((l) => l.name);
    t.log(`caught by: ${caughtBy.join('; ') || 'nothing'}`);
    t.true(caughtBy.length > 0, 'no law found a counterexample');
  });
}

test('preferring the right argument at equal (g, v) breaks commutativity itself', (t) => {
  const join = brokenJoins['at equal (g, v) prefer the right argument']!;
  t.not(laws[0]!.check(join), undefined);
  const a = { ...valid, u: '10.0.0.1' };
  const b = { ...valid, u: '10.0.0.2' };
  t.false(sameFields(join(a, b), join(b, a)));
});
