import test, { type ExecutionContext } from 'ava';
import { ConfigError, InvalidArgumentError } from '@trellis/runtime';
import { parseOverlay, parseOverlays } from '../src/overlay-config.js';
import { checkPublishOptions, routeAddressRefusal } from '../src/route-admission.js';
import { toRouteEntry } from '../src/route-entry.js';
import { toOverlays } from '../src/route-plugin.js';
import { validateRouteWire, type RouteWire } from '../src/route-record.js';
import { SliceExhaustedError } from '../src/routes-errors.js';
import { vtepMac } from '../src/vtep-mac.js';

/** DC/OS's `dcos6`: IPv6 only, fd01:b::/64 in /80 slices, VTEP IPv6 addresses from fd01:a::/64. */
const dcos6 = { name: 'dcos6', subnet6: 'fd01:b::/64', vni: 1025 };

function problemsOf(t: ExecutionContext, parse: () => unknown): string[] {
  const error = t.throws(parse, { instanceOf: ConfigError });
  return error?.problems.map((p) => `${p.path}: ${p.message}`) ?? [];
}

const record = (over: Partial<RouteWire> = {}): RouteWire => ({
  t: 'r',
  o: 'dcos6',
  w: 'a',
  g: 1,
  v: 1,
  st: 1,
  c: 1,
  s: 5,
  u: '10.0.0.2',
  vi: 'fd01:a::6',
  vm: '70:b3:d5:00:00:06',
  ...over,
});

test('an overlay with subnet6 alone has no IPv4 keys at all; its slices are the IPv6 ones', (t) => {
  const o = parseOverlay(dcos6);
  for (const key of ['subnet', 'prefixLength', 'vtepSubnet']) t.false(key in o, key);
  t.is(o.subnet6, 'fd01:b::/64');
  t.is(o.prefixLength6, 80);
  t.is(o.vtepSubnet6, 'fd01:a::/64');
  t.is(o.sliceCount, 2 ** 16);
  t.is(o.vtepCapacity, 0);
  t.is(o.claimableSlices, 2 ** 16);
  t.deepEqual(o.slice(5), {
    index: 5,
    agentSubnet6: 'fd01:b:0:0:5::/80',
    mesosSubnet6: 'fd01:b:0:0:5::/81',
    dockerSubnet6: 'fd01:b::5:8000:0:0/81',
  });
  t.is(o.sliceIndexOf('fd01:b:0:0:5::/80'), 5);
  t.is(o.sliceIndexOf('9.0.5.0/24'), undefined);
  t.true(o.sliceHas(5, 'fd01:b:0:0:5::2'));
  t.false(o.sliceHas(5, '9.0.5.2'));
});

test('the record VTEP IP of an IPv6-only overlay is the VTEP IPv6; its MAC is 70:b3:d5 + the low 24 bits', (t) => {
  const o = parseOverlay(dcos6);
  t.is(o.recordVtepIp(5), 'fd01:a::6');
  t.is(o.vtepIp6(5), 'fd01:a::6');
  t.throws(() => o.vtepIp(5), { instanceOf: InvalidArgumentError });
  t.throws(() => o.recordVtepIp(-1), { instanceOf: InvalidArgumentError });
  t.is(vtepMac('fd01:a::6'), '70:b3:d5:00:00:06');
  t.is(vtepMac('fd01:a::1:2:3'), '70:b3:d5:02:00:03');
  // A dual-stack overlay keeps the IPv4 VTEP IP on the wire, as DC/OS does.
  t.is(
    parseOverlay({ ...dcos6, subnet: '12.0.0.0/8', vtepSubnet: '44.129.0.0/20' }).recordVtepIp(5),
    '44.129.0.6',
  );
});

test('hasVtepIp on an IPv6-only overlay: canonical addresses of vtepSubnet6, not its network, never IPv4', (t) => {
  const o = parseOverlay(dcos6);
  t.true(o.hasVtepIp('fd01:a::6'));
  t.true(o.hasVtepIp('fd01:a::ffff:ffff:ffff:ffff'));
  for (const ip of ['fd01:a::', 'fd01:a:0::6', 'FD01:A::6', 'fd01:b::6', '44.128.0.6', 'x', ''])
    t.false(o.hasVtepIp(ip), ip);
});

test('IPv6-only problems: IPv4 fields without subnet, neither subnet, a dual-stack slice mismatch still caught', (t) => {
  const problems = problemsOf(t, () =>
    parseOverlays([
      { ...dcos6, prefixLength: 24 },
      {
        ...dcos6,
        name: 'b',
        vni: 2,
        subnet6: 'fd02::/64',
        vtepSubnet: '44.129.0.0/20',
        vtepSubnet6: 'fd03::/64',
      },
      { name: 'c', vni: 3 },
    ]),
  );
  t.deepEqual(problems, [
    'overlays[0].prefixLength: is set but subnet is not; an IPv6-only overlay has no IPv4 slices or VTEPs',
    'overlays[1].vtepSubnet: is set but subnet is not; an IPv6-only overlay has no IPv4 slices or VTEPs',
    'overlays[2].subnet: is missing: an overlay needs subnet (IPv4), subnet6 (IPv6) or both',
  ]);
});

test('an IPv6-only overlay beside an IPv4 one: VTEP subnets checked per family, no false conflict', (t) => {
  const [dcos, six] = parseOverlays([{ name: 'dcos', subnet: '9.0.0.0/8' }, dcos6]);
  t.is(dcos!.vtepSubnet, '44.128.0.0/20');
  t.is(six!.vtepSubnet6, 'fd01:a::/64');
  const problems = problemsOf(t, () =>
    parseOverlays([{ name: 'x', subnet: '9.0.0.0/8', subnet6: 'fd01:a::/64', vni: 1 }, dcos6]),
  );
  t.true(
    problems.some((p) => p.startsWith('overlays[1].vtepSubnet6: overlaps overlays[0].subnet6')),
    problems.join('\n'),
  );
});

test('a route record of an IPv6-only overlay carries the VTEP IPv6; admission checks the family', (t) => {
  const [dcos, six] = parseOverlays([{ name: 'dcos', subnet: '9.0.0.0/8' }, dcos6]);
  const v = validateRouteWire(record());
  t.true(v.ok);
  t.is(routeAddressRefusal(record(), six, false), undefined);
  t.is(routeAddressRefusal(record({ vi: '44.128.0.6' }), six, false), 'invalidAddress');
  t.is(routeAddressRefusal(record({ vi: 'fd01:a::' }), six, false), 'invalidAddress');
  t.is(routeAddressRefusal(record({ o: 'dcos', vi: 'fd01:a::6' }), dcos, false), 'invalidAddress');
  // Only RFC 5952 text: one address, one string, everywhere the record is compared.
  t.deepEqual(validateRouteWire(record({ vi: 'fd01:a:0::6' })), { ok: false, reason: 'invalidAddress' });
  t.deepEqual(validateRouteWire(record({ vi: 'fd01:a::6%eth0' })), { ok: false, reason: 'invalidAddress' });
  t.throws(() => checkPublishOptions(six!, { underlayIp: '10.0.0.2', vtepIp: '44.128.0.6' }), {
    instanceOf: InvalidArgumentError,
    message: /vtepIp must be an address of fd01:a::\/64/,
  });
});

test('a route entry of an IPv6-only overlay has a VTEP IPv6 and IPv6 subnets, no IPv4 key', (t) => {
  const e = toRouteEntry(parseOverlay(dcos6), record());
  t.like(e, {
    vtepIp6: 'fd01:a::6',
    vtepMac: '70:b3:d5:00:00:06',
    agentSubnet6: 'fd01:b:0:0:5::/80',
    mesosSubnet6: 'fd01:b:0:0:5::/81',
  });
  for (const key of ['vtepIp', 'agentSubnet', 'mesosSubnet', 'dockerSubnet']) t.false(key in e, key);
});

test('slices of a large IPv6-only overlay are capped at 2^24: VTEP MACs carry 24 bits', (t) => {
  const o = parseOverlay({ name: 'big', subnet6: 'fd01:b::/32', prefixLength6: 80 });
  t.is(o.sliceCount, 2 ** 48);
  t.is(o.claimableSlices, 2 ** 24);
  const error = new SliceExhaustedError('big', 2 ** 24, o);
  t.regex(error.message, /claimable \/80 slices of fd01:b::\/32/);
  t.regex(error.message, /VTEP MACs carry 24 bits/);
});

test('an IPv6-only Overlay value in a mixed list keeps its family', (t) => {
  const six = parseOverlay(dcos6);
  const [a, b] = toOverlays([six, { name: 'dcos', subnet: '9.0.0.0/8' }]);
  t.false('subnet' in a!);
  t.is(a!.subnet6, 'fd01:b::/64');
  t.is(b!.subnet, '9.0.0.0/8');
});
