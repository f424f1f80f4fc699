import test from 'ava';
import fc from 'fast-check';
import { routeKey, validateRouteWire, type RouteRejectReason } from '../src/route-record.js';
import { valid } from './helpers/valid-route.js';

const numRuns = process.env['TRELLIS_EXTENSIVE'] === '1' ? 20_000 : 300;
const seed = process.env['SEED'] === undefined ? 7117 : Number.parseInt(process.env['SEED'], 10);

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
