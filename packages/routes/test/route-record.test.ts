import test from 'ava';
import fc from 'fast-check';
import {
  compareRouteWire,
  joinRouteWire,
  routeHash,
  routeKey,
  validateRouteWire,
  type RouteRejectReason,
  type RouteWire,
} from '../src/route-record.js';

const numRuns = process.env['TRELLIS_EXTENSIVE'] === '1' ? 20_000 : 300;
const seed = process.env['SEED'] === undefined ? 7117 : Number.parseInt(process.env['SEED'], 10);

const valid: RouteWire = Object.freeze({
  t: 'r',
  o: 'dcos',
  w: 'agent-1',
  g: 1_700_000_000_000,
  v: 3,
  st: 1,
  c: 1_700_000_000_500,
  s: 5,
  u: '10.0.0.1',
  vi: '44.128.0.6',
  vm: '70:b3:d5:80:00:06',
});

const reasonOf = (raw: unknown): RouteRejectReason | 'ok' => {
  const v = validateRouteWire(raw);
  return v.ok ? 'ok' : v.reason;
};

test('a valid record is accepted as a frozen copy of exactly its fields', (t) => {
  const v = validateRouteWire({ ...valid, extra: 'dropped' });
  if (!v.ok) return t.fail(v.reason);
  t.deepEqual(v.record, valid);
  t.true(Object.isFrozen(v.record));
  t.false('extra' in v.record);
  // Boundaries that are still valid.
  t.is(reasonOf({ ...valid, o: 'a' }), 'ok');
  t.is(reasonOf({ ...valid, o: 'abcdefghij-12' }), 'ok', '13 characters');
  t.is(reasonOf({ ...valid, w: 'x'.repeat(128) }), 'ok');
  t.is(reasonOf({ ...valid, g: 0, v: 0, c: 0, s: 0 }), 'ok');
  t.is(reasonOf({ ...valid, g: Number.MAX_SAFE_INTEGER }), 'ok');
  t.is(reasonOf({ ...valid, u: '255.255.255.255', vi: '0.0.0.0' }), 'ok');
  for (const st of [0, 1, 2]) t.is(reasonOf({ ...valid, st }), 'ok');
});

const malformedCases: readonly [string, unknown, RouteRejectReason][] = [
  ['undefined', undefined, 'malformed'],
  ['null', null, 'malformed'],
  ['a number', 42, 'malformed'],
  ['a string', 'r', 'malformed'],
  ['an array', [valid], 'malformed'],
  ['a function', () => valid, 'malformed'],
  ['no tag', { ...valid, t: undefined }, 'malformed'],
  ['a member tag', { ...valid, t: 'm' }, 'malformed'],
  ['missing overlay', { ...valid, o: undefined }, 'invalidOverlay'],
  ['overlay not a string', { ...valid, o: 7 }, 'invalidOverlay'],
  ['empty overlay', { ...valid, o: '' }, 'invalidOverlay'],
  ['uppercase overlay', { ...valid, o: 'DCOS' }, 'invalidOverlay'],
  ['overlay of 14 chars', { ...valid, o: 'abcdefghijklmn' }, 'invalidOverlay'],
  ['overlay starting with -', { ...valid, o: '-dcos' }, 'invalidOverlay'],
  ['overlay with a slash', { ...valid, o: 'a/b' }, 'invalidOverlay'],
  ['missing owner', { ...valid, w: undefined }, 'invalidOwner'],
  ['owner not a string', { ...valid, w: 1 }, 'invalidOwner'],
  ['empty owner', { ...valid, w: '' }, 'invalidOwner'],
  ['huge owner', { ...valid, w: 'x'.repeat(129) }, 'invalidOwner'],
  ['missing generation', { ...valid, g: undefined }, 'invalidVersion'],
  ['negative generation', { ...valid, g: -1 }, 'invalidVersion'],
  ['fractional version', { ...valid, v: 1.5 }, 'invalidVersion'],
  ['version as a string', { ...valid, v: '3' }, 'invalidVersion'],
  ['huge version', { ...valid, v: 2 ** 53 }, 'invalidVersion'],
  ['NaN version', { ...valid, v: Number.NaN }, 'invalidVersion'],
  ['infinite generation', { ...valid, g: Number.POSITIVE_INFINITY }, 'invalidVersion'],
  ['bigint version', { ...valid, v: 3n }, 'invalidVersion'],
  ['negative claim time', { ...valid, c: -5 }, 'invalidVersion'],
  ['missing claim time', { ...valid, c: undefined }, 'invalidVersion'],
  ['unknown state 3', { ...valid, st: 3 }, 'malformed'],
  ['state as a string', { ...valid, st: '1' }, 'malformed'],
  ['missing state', { ...valid, st: undefined }, 'malformed'],
  ['negative slice', { ...valid, s: -1 }, 'invalidSlice'],
  ['fractional slice', { ...valid, s: 0.5 }, 'invalidSlice'],
  ['missing slice', { ...valid, s: undefined }, 'invalidSlice'],
  ['underlay octet 256', { ...valid, u: '1.2.3.256' }, 'invalidAddress'],
  ['underlay leading zero', { ...valid, u: '01.2.3.4' }, 'invalidAddress'],
  ['underlay three parts', { ...valid, u: '1.2.3' }, 'invalidAddress'],
  ['underlay IPv6 not in RFC 5952 form', { ...valid, u: '0:0::1' }, 'invalidAddress'],
  ['underlay with a port', { ...valid, u: '1.2.3.4:7946' }, 'invalidAddress'],
  ['underlay not a string', { ...valid, u: 0x01020304 }, 'invalidAddress'],
  ['VTEP IP with trailing space', { ...valid, vi: '44.128.0.6 ' }, 'invalidAddress'],
  ['VTEP IP missing', { ...valid, vi: undefined }, 'invalidAddress'],
  ['MAC uppercase', { ...valid, vm: '70:B3:D5:80:00:06' }, 'invalidAddress'],
  ['MAC with dashes', { ...valid, vm: '70-b3-d5-80-00-06' }, 'invalidAddress'],
  ['MAC too short', { ...valid, vm: '70:b3:d5:80:00' }, 'invalidAddress'],
  ['MAC too long', { ...valid, vm: '70:b3:d5:80:00:06:07' }, 'invalidAddress'],
  ['MAC not hex', { ...valid, vm: '70:b3:d5:80:00:0g' }, 'invalidAddress'],
  ['MAC missing', { ...valid, vm: undefined }, 'invalidAddress'],
];

for (const [name, raw, reason] of malformedCases) {
  test(`validateRouteWire rejects ${name} as ${reason}`, (t) => {
    t.deepEqual(validateRouteWire(raw), { ok: false, reason });
  });
}

test('a hostile object (throwing getter, throwing Proxy) is malformed, never a throw', (t) => {
  const getter = { ...valid };
  Object.defineProperty(getter, 'vm', {
    enumerable: true,
    get() {
      throw new Error('boom');
    },
  });
  t.deepEqual(validateRouteWire(getter), { ok: false, reason: 'malformed' });
  const proxy = new Proxy(
    {},
    {
      get() {
        throw new Error('boom');
      },
    },
  );
  t.notThrows(() => validateRouteWire(proxy));
  t.deepEqual(validateRouteWire(proxy), { ok: false, reason: 'malformed' });
  // A proxy that answers like a valid record yields a plain frozen copy, not the proxy.
  const mirror = new Proxy({}, { get: (_t, k) => (valid as unknown as Record<string | symbol, unknown>)[k] });
  const v = validateRouteWire(mirror);
  t.true(v.ok);
  if (v.ok) t.deepEqual({ ...v.record }, { ...valid });
});

test('fuzz: validateRouteWire never throws on anything', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(
        fc.oneof(fc.anything(), fc.record({ t: fc.constant('r'), o: fc.string(), w: fc.string() })),
        (x) => {
          const v = validateRouteWire(x);
          return v.ok || typeof v.reason === 'string';
        },
      ),
      { numRuns, seed },
    ),
  );
});

test('routeKey is overlay/owner', (t) => {
  t.is(routeKey('dcos', 'a'), 'dcos/a');
});

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
