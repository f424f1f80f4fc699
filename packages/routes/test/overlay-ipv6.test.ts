import test, { type ExecutionContext } from 'ava';
import { ConfigError } from '@trellis/runtime';
import { defaultOverlayInput, parseOverlay, parseOverlays } from '../src/overlay-config.js';
import { checkPublishOptions, isLoopbackIp, isUnicastUnderlay } from '../src/route-admission.js';
import { toRouteEntry } from '../src/route-entry.js';
import { toOverlays } from '../src/route-plugin.js';
import { validateRouteWire, type RouteWire } from '../src/route-record.js';

/** The DC/OS dual-stack overlay, field for field. */
const dcos6 = { name: 'dcos6', subnet: '12.0.0.0/8', subnet6: 'fd01:b::/64', prefixLength6: 80, vni: 1025 };

function problemsOf(t: ExecutionContext, parse: () => unknown): string[] {
  const error = t.throws(parse, { instanceOf: ConfigError });
  return error?.problems.map((p) => `${p.path}: ${p.message}`) ?? [];
}

function hasProblem(t: ExecutionContext, problems: string[], path: string, includes: string): void {
  t.true(
    problems.some((p) => p.startsWith(`${path}: `) && p.includes(includes)),
    `expected ${path} ~ ${includes} in\n${problems.join('\n')}`,
  );
}

test('IPv6 slices use the same index, default /80, halves /81', (t) => {
  const o = parseOverlay({ ...defaultOverlayInput, subnet6: 'fd01:b::/64' });
  t.is(o.subnet6, 'fd01:b::/64');
  t.is(o.prefixLength6, 80);
  t.deepEqual(o.slice(5), {
    index: 5,
    agentSubnet: '9.0.5.0/24',
    mesosSubnet: '9.0.5.0/25',
    dockerSubnet: '9.0.5.128/25',
    agentSubnet6: 'fd01:b:0:0:5::/80',
    mesosSubnet6: 'fd01:b:0:0:5::/81',
    dockerSubnet6: 'fd01:b::5:8000:0:0/81', // RFC 5952: the first of two equal zero runs is the one compressed
  });
  t.like(o.slice(257), { agentSubnet6: 'fd01:b:0:0:101::/80' });
  t.like(o.slice(0), { agentSubnet6: 'fd01:b::/80', dockerSubnet6: 'fd01:b::8000:0:0/81' });
  t.like(parseOverlay({ ...defaultOverlayInput, subnet6: 'FD01:B::/64', prefixLength6: 96 }).slice(1), {
    agentSubnet6: 'fd01:b::1:0:0/96',
    dockerSubnet6: 'fd01:b::1:8000:0/97',
  });
});

test('IPv6 problems: prefixLength6 alone, too few IPv6 slices, bad subnet6', (t) => {
  const problems = problemsOf(t, () =>
    parseOverlays([
      { name: 'a', subnet: '9.0.0.0/8', prefixLength6: 80 },
      {
        name: 'b',
        subnet: '10.0.0.0/8',
        vni: 2,
        vtepSubnet: '44.129.0.0/20',
        subnet6: 'fd01::/72',
        vtepSubnet6: 'fd11::/64',
      },
      {
        name: 'c',
        subnet: '11.0.0.0/8',
        vni: 3,
        vtepSubnet: '44.130.0.0/20',
        subnet6: 'fd02::1/64',
        prefixLength6: 127,
        vtepSubnet6: 'fd12::/64',
      },
      { name: 'd', subnet: '12.0.0.0/8', vni: 4, vtepSubnet: '44.131.0.0/20', subnet6: '12.0.0.0/8' },
    ]),
  );
  hasProblem(t, problems, 'overlays[0].prefixLength6', 'is set but subnet6 is not');
  hasProblem(t, problems, 'overlays[1].prefixLength6', 'only 2^8 IPv6 slices for 2^16 IPv4 slices');
  hasProblem(t, problems, 'overlays[2].subnet6', 'did you mean fd02::/64?');
  hasProblem(t, problems, 'overlays[2].prefixLength6', 'between 1 and 125, got 127');
  hasProblem(t, problems, 'overlays[3].subnet6', 'must be an IPv6 CIDR');
  t.is(problems.length, 5, problems.join('\n'));
  t.throws(() => parseOverlay({ name: 'x' }, 'net'), {
    message: /net\.subnet: is missing: an overlay needs subnet \(IPv4\), subnet6 \(IPv6\) or both/,
  });
});

test('vtepSubnet6 defaults to fd01:a::/64 on a dual-stack overlay; the VTEP IPv6 is network + index + 1', (t) => {
  const o = parseOverlay(dcos6);
  t.is(o.vtepSubnet6, 'fd01:a::/64');
  t.is(o.vtepIp6(0), 'fd01:a::1');
  t.is(o.vtepIp6(5), 'fd01:a::6');
  t.is(o.vtepIp6(0xffff), 'fd01:a::1:0');
  t.is(o.vtepIp6(-1), undefined);
  t.is(o.vtepIp6(1.5), undefined);
  t.is(o.claimableSlices, 4094, 'the IPv4 VTEP subnet is still the limit');
  const v4only = parseOverlay(defaultOverlayInput);
  t.false('vtepSubnet6' in v4only);
  t.is(v4only.vtepIp6(5), undefined);
  t.is(v4only.vtepCapacity6, 0);
});

test('a small vtepSubnet6 limits the claimable slices; its text is canonical', (t) => {
  const o = parseOverlay({ ...dcos6, vtepSubnet6: 'FD01:A:0::/124' });
  t.is(o.vtepSubnet6, 'fd01:a::/124');
  t.is(o.vtepCapacity6, 15);
  t.is(o.claimableSlices, 15);
  t.is(o.vtepIp6(14), 'fd01:a::f');
  t.is(o.vtepIp6(15), undefined);
});

test('vtepSubnet6 problems: without subnet6, not IPv6, host bits, no room, inside subnet6, overlapping', (t) => {
  let p = problemsOf(t, () => parseOverlay({ ...defaultOverlayInput, vtepSubnet6: 'fd01:a::/64' }));
  t.true(
    p.some((x) => x.startsWith('overlay.vtepSubnet6: is set but subnet6 is not')),
    p.join('\n'),
  );
  p = problemsOf(t, () => parseOverlay({ ...dcos6, vtepSubnet6: '44.128.0.0/20' }));
  t.true(
    p.some((x) => x.startsWith('overlay.vtepSubnet6: must be an IPv6 CIDR')),
    p.join('\n'),
  );
  p = problemsOf(t, () => parseOverlay({ ...dcos6, vtepSubnet6: 'fd01:a::1/64' }));
  t.true(
    p.some((x) => x.includes('is not a network address')),
    p.join('\n'),
  );
  p = problemsOf(t, () => parseOverlay({ ...dcos6, vtepSubnet6: 'fd01:a::/128' }));
  t.true(
    p.some((x) => x.includes('has no VTEP address')),
    p.join('\n'),
  );
  p = problemsOf(t, () => parseOverlay({ ...dcos6, vtepSubnet6: 'fd01:b:0:0:ffff::/80' }));
  t.true(
    p.some((x) => x.includes("overlaps this overlay's subnet6")),
    p.join('\n'),
  );
  p = problemsOf(t, () =>
    parseOverlays([
      { ...dcos6, name: 'a', subnet: '10.0.0.0/16', vtepSubnet: '44.1.0.0/24' },
      { ...dcos6, name: 'b', vni: 7, subnet: '10.1.0.0/16', subnet6: 'fd02::/64', vtepSubnet: '44.2.0.0/24' },
      {
        ...dcos6,
        name: 'c',
        vni: 8,
        subnet: '10.2.0.0/16',
        subnet6: 'fd03::/64',
        vtepSubnet: '44.3.0.0/24',
        vtepSubnet6: 'fd01:b::/96',
      },
    ]),
  );
  const expected = [
    'overlays[1].vtepSubnet6: overlaps overlays[0].vtepSubnet6 (fd01:a::/64)',
    'overlays[2].vtepSubnet6: overlaps overlays[0].subnet6 (fd01:b::/64)',
  ];
  for (const e of expected)
    t.true(
      p.some((x) => x.startsWith(e)),
      `${e} in\n${p.join('\n')}`,
    );
});

test('a route entry on a dual-stack overlay carries the VTEP IPv6 of its slice; IPv4-only carries none', (t) => {
  const [d6, d4] = parseOverlays([dcos6, { ...defaultOverlayInput, vtepSubnet: '44.129.0.0/20' }]);
  const r: RouteWire = {
    t: 'r',
    o: 'dcos6',
    w: 'a',
    g: 1,
    v: 1,
    st: 1,
    c: 1,
    s: 5,
    u: 'fd00::2',
    vi: '44.128.0.6',
    vm: '70:b3:d5:80:00:06',
  };
  t.like(toRouteEntry(d6!, r), {
    vtepIp6: 'fd01:a::6',
    agentSubnet6: 'fd01:b:0:0:5::/80',
    underlayIp: 'fd00::2',
  });
  t.false('vtepIp6' in toRouteEntry(d4!, { ...r, o: 'dcos' }));
});

test('a record may carry an IPv6 underlay, in its one RFC 5952 text only', (t) => {
  const base = validateRouteWire({
    t: 'r',
    o: 'dcos',
    w: 'a',
    g: 1,
    v: 1,
    st: 1,
    c: 1,
    s: 5,
    u: '10.0.0.1',
    vi: '44.128.0.6',
    vm: '70:b3:d5:80:00:06',
  });
  t.true(base.ok);
  const raw = base.ok ? base.record : undefined;
  for (const u of ['fd00::1', '2001:db8::a:1', 'fd00:1:2:3:4:5:6:7'])
    t.true(validateRouteWire({ ...raw, u }).ok, u);
  for (const u of [
    'FD00::1',
    'fd00:0::1',
    'fd00::1%eth0',
    '::ffff:10.0.0.1',
    'fd00::1/64',
    `fd00::${'0'.repeat(40)}1`,
    'fd00:::1',
  ])
    t.deepEqual(validateRouteWire({ ...raw, u }), { ok: false, reason: 'invalidAddress' }, u);
});

test('IPv6 underlays: unicast only (not ::, ::1 unless loopback is allowed, multicast, link-local, IPv4-mapped)', (t) => {
  for (const ip of ['fd00::1', '2001:db8::1', '2a00:1450::1']) t.true(isUnicastUnderlay(ip, false), ip);
  for (const ip of [
    '::',
    'ff02::1',
    'ff05::2',
    'fe80::1',
    'febf::1',
    '::ffff:10.0.0.1',
    'fd00::1%eth0',
    'nonsense',
  ])
    t.false(isUnicastUnderlay(ip, true), ip);
  t.false(isUnicastUnderlay('::1', false));
  t.true(isUnicastUnderlay('::1', true));
  t.true(isLoopbackIp('::1'));
  t.false(isLoopbackIp('fd00::1'));
  const o = parseOverlay(dcos6);
  t.notThrows(() => checkPublishOptions(o, { underlayIp: 'fd00::1' }));
  t.throws(() => checkPublishOptions(o, { underlayIp: 'fe80::1' }), { message: /unicast IPv4 or IPv6/ });
  t.throws(() => checkPublishOptions(o, { underlayIp: 'FD00:0::1' }), {
    message: /RFC 5952 form \(fd00::1\)/,
  });
});

test('an Overlay value in a mixed overlay list keeps its vtepSubnet6', (t) => {
  const own = parseOverlay({ ...dcos6, vtepSubnet6: 'fd09::/64' });
  const [a, b] = toOverlays([
    own,
    { name: 'plain', subnet: '10.0.0.0/16', vni: 7, vtepSubnet: '44.2.0.0/24' },
  ]);
  t.is(a?.vtepSubnet6, 'fd09::/64');
  t.is(a?.vtepIp6(1), 'fd09::2');
  t.false('vtepSubnet6' in b!);
});
