import test, { type ExecutionContext } from 'ava';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { ConfigError, InvalidArgumentError } from '@trellis/runtime';
import { defaultOverlayInput, parseOverlay, parseOverlays } from '../src/overlay-config.js';
import { vtepMac } from '../src/vtep-mac.js';
import { SliceExhaustedError } from '../src/routes-errors.js';

const numRuns = process.env['TRELLIS_EXTENSIVE'] === '1' ? 20_000 : 300;
const seed = process.env['SEED'] === undefined ? 4242 : Number.parseInt(process.env['SEED'], 10);

/** The problems of a config that must fail, as `path: message` lines. */
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

test('defaults are DC/OS: dcos 9.0.0.0/8, /24 per agent, VNI 1024, port 64000, VTEPs 44.128.0.0/20', (t) => {
  t.true(Object.isFrozen(defaultOverlayInput));
  const o = parseOverlay(defaultOverlayInput);
  t.like(o, { name: 'dcos', subnet: '9.0.0.0/8', prefixLength: 24, vni: 1024, port: 64000 });
  t.is(o.vtepSubnet, '44.128.0.0/20');
  t.false('subnet6' in o);
  t.false('prefixLength6' in o);
  t.is(o.sliceCount, 65_536);
  t.is(o.vtepCapacity, 4094, 'a /20 is 4096 addresses minus network and broadcast');
  t.is(o.claimableSlices, 4094);
  t.true(Object.isFrozen(o));
  // Only name and subnet are required.
  t.like(parseOverlay({ name: 'dcos', subnet: '9.0.0.0/8' }), { prefixLength: 24, vni: 1024, port: 64000 });
});

test('/8 with /24 slices: index to subnet and its Mesos/Docker /25 halves', (t) => {
  const o = parseOverlay(defaultOverlayInput);
  t.deepEqual(o.slice(0), {
    index: 0,
    agentSubnet: '9.0.0.0/24',
    mesosSubnet: '9.0.0.0/25',
    dockerSubnet: '9.0.0.128/25',
  });
  t.like(o.slice(5), { agentSubnet: '9.0.5.0/24', mesosSubnet: '9.0.5.0/25', dockerSubnet: '9.0.5.128/25' });
  t.like(o.slice(257), {
    agentSubnet: '9.1.1.0/24',
    mesosSubnet: '9.1.1.0/25',
    dockerSubnet: '9.1.1.128/25',
  });
  t.like(o.slice(65_535), { agentSubnet: '9.255.255.0/24', dockerSubnet: '9.255.255.128/25' });
  t.true(Object.isFrozen(o.slice(1)));
  t.false('agentSubnet6' in o.slice(1));
});

test('/16 with /24 has 256 slices and indices outside them are rejected', (t) => {
  const o = parseOverlay({ name: 'small', subnet: '10.7.0.0/16' });
  t.is(o.sliceCount, 256);
  t.is(o.claimableSlices, 256, 'the overlay subnet, not the VTEP subnet, is the limit here');
  t.is(o.slice(255).agentSubnet, '10.7.255.0/24');
  for (const bad of [256, -1, 1.5, Number.NaN]) {
    const error = t.throws(() => o.slice(bad), { instanceOf: InvalidArgumentError });
    t.is(error?.code, 'ERR_TRELLIS_INVALID_ARGUMENT');
  }
  t.throws(() => o.slice(256), { message: /overlay small: slice index 256 is outside \[0, 256\)/ });
});

test('sliceIndexOf inverts slice() and rejects anything that is not exactly a slice', (t) => {
  const o = parseOverlay({ ...defaultOverlayInput, subnet6: 'fd01:b::/64' });
  t.is(o.sliceIndexOf('9.0.0.0/24'), 0);
  t.is(o.sliceIndexOf('9.1.1.0/24'), 257);
  t.is(o.sliceIndexOf('fd01:b:0:0:101::/80'), 257);
  t.is(o.sliceIndexOf('FD01:B:0:0:101:0:0:0/80'), 257);
  for (const bad of ['9.1.1.0/25', '9.1.1.1/24', '10.0.0.0/24', '9.0.0.0/8', 'garbage', '', 'fd01:c::/80']) {
    t.is(o.sliceIndexOf(bad), undefined, bad);
  }
  t.is(parseOverlay(defaultOverlayInput).sliceIndexOf('fd01:b::/80'), undefined, 'no IPv6 configured');
  // IPv6 may have more slices than IPv4; those past sliceCount are not slices.
  t.is(o.sliceIndexOf('fd01:b:0:1::/80'), undefined);
});

/** A random valid overlay: any IPv4 subnet and slice length, maybe IPv6, VTEPs out of the way. */
const overlayArb = fc
  .record({
    // 128.0.0.0/2 (128-191): no IPv4 subnet may overlap 0/8, 127/8, 224/4 or 240/4.
    bytes: fc
      .array(fc.integer({ min: 0, max: 255 }), { minLength: 4, maxLength: 4 })
      .map(([first, ...rest]) => [128 | (first! & 0x3f), ...rest]),
    prefix: fc.integer({ min: 2, max: 28 }),
    sliceBits: fc.integer({ min: 1, max: 28 }),
    v6: fc.option(
      fc.record({
        // Global unicast (2000::/3): no IPv6 subnet may overlap ::/127, ::ffff:0:0/96, fe80::/10, ff00::/8.
        parts: fc
          .array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 })
          .map(([first, ...rest]) => [0x2000 | (first! & 0x1fff), ...rest]),
        prefix: fc.integer({ min: 3, max: 96 }),
        extraBits: fc.integer({ min: 0, max: 28 }),
      }),
      { nil: undefined },
    ),
  })
  .map(({ bytes, prefix, sliceBits, v6 }) => {
    const prefixLength = Math.min(prefix + sliceBits, 29);
    const net = ipaddr.IPv4.networkAddressFromCIDR(`${ipaddr.fromByteArray(bytes).toString()}/${prefix}`);
    // 64-95: outside 128.0.0.0/2, so outside any subnet drawn above.
    const vtepSubnet = `${(64 + (bytes[0]! & 0x1f)).toString()}.128.0.0/20`;
    const input = { name: 'p', subnet: `${net.toString()}/${prefix}`, prefixLength, vtepSubnet };
    if (v6 === undefined) return input;
    const prefixLength6 = Math.min(v6.prefix + prefixLength - prefix + v6.extraBits, 125);
    const text = `${new ipaddr.IPv6(v6.parts).toString()}/${v6.prefix}`;
    const subnet6 = `${ipaddr.IPv6.networkAddressFromCIDR(text).toString()}/${v6.prefix}`;
    // As for IPv4: the top bit flipped leaves any IPv6 subnet of /1 or longer.
    const vtepSubnet6 = `${(v6.parts[0]! ^ 0x8000).toString(16)}::/64`;
    return { ...input, subnet6, prefixLength6, vtepSubnet6 };
  });

test('property: sliceIndexOf(slice(i)) === i and distinct slices never overlap', (t) => {
  fc.assert(
    fc.property(overlayArb, fc.nat(), fc.nat(), (input, a, b) => {
      const o = parseOverlay(input);
      const i = a % o.sliceCount;
      const j = b % o.sliceCount;
      const si = o.slice(i);
      const sj = o.slice(j);
      if (o.sliceIndexOf(si.agentSubnet!) !== i) return false;
      if (si.agentSubnet6 !== undefined && o.sliceIndexOf(si.agentSubnet6) !== i) return false;
      const inside = (cidr: string, outer: string) =>
        ipaddr.parse(cidr.split('/')[0]!).match(ipaddr.parseCIDR(outer));
      if (!inside(si.agentSubnet!, o.subnet!) || !inside(si.dockerSubnet!, si.agentSubnet!)) return false;
      if (i === j) return true;
      const overlap = (x: string, y: string) => inside(x, y) || inside(y, x);
      if (overlap(si.agentSubnet!, sj.agentSubnet!)) return false;
      return si.agentSubnet6 === undefined || !overlap(si.agentSubnet6, sj.agentSubnet6!);
    }),
    { numRuns, seed },
  );
  t.pass();
});

test('vtepIp is network + index + 1 and vtepMac is 70:b3:d5 + its low 24 bits', (t) => {
  const o = parseOverlay(defaultOverlayInput);
  t.is(o.vtepIp(0), '44.128.0.1');
  t.is(o.vtepIp(4093), '44.128.15.254', 'the last below broadcast');
  t.throws(() => o.vtepIp(4094), { instanceOf: InvalidArgumentError });
  t.throws(() => o.vtepIp(-1), { instanceOf: InvalidArgumentError });
  t.is(vtepMac('44.128.0.1'), '70:b3:d5:80:00:01');
  t.is(vtepMac(o.vtepIp(4093)), '70:b3:d5:80:0f:fe');
  t.is(vtepMac('10.255.1.16'), '70:b3:d5:ff:01:10');
  for (const bad of ['fe80::1%eth0', '44.128.0', 'x'])
    t.throws(() => vtepMac(bad), { instanceOf: InvalidArgumentError });
});

test('one ConfigError lists every problem of an overlay, with paths', (t) => {
  const problems = problemsOf(t, () =>
    parseOverlays([
      defaultOverlayInput,
      {
        name: 'Bridge_Net!',
        subnet: '10.0.0.1/8',
        prefixLength: 30,
        vni: 0,
        port: 70000,
        vtepSubnet: '44.129.0.0/31',
        colour: 'blue',
      },
      { name: 'host', subnet: '10.0.0.0/16', prefixLength: 16, vni: 2, vtepSubnet: '10.0.0.0/20' },
      {
        name: 'muchtoolongname',
        subnet: 'fd00::/8',
        prefixLength: 24.5,
        vni: 3,
        vtepSubnet: '44.130.0.0/20',
      },
      'dcos',
    ]),
  );
  hasProblem(t, problems, 'overlays[1].name', 'lowercase letters');
  hasProblem(
    t,
    problems,
    'overlays[1].subnet',
    'not a network address (host bits are set); did you mean 10.0.0.0/8?',
  );
  hasProblem(t, problems, 'overlays[1].prefixLength', 'between 1 and 29, got 30');
  hasProblem(t, problems, 'overlays[1].vni', 'between 1 and 16777215, got 0');
  hasProblem(t, problems, 'overlays[1].port', 'between 1 and 65535, got 70000');
  hasProblem(t, problems, 'overlays[1].vtepSubnet', 'no VTEP address');
  hasProblem(t, problems, 'overlays[1].colour', 'unknown key');
  hasProblem(t, problems, 'overlays[2].name', '"host" is reserved');
  hasProblem(t, problems, 'overlays[2].prefixLength', "longer than the subnet's /16");
  hasProblem(t, problems, 'overlays[2].vtepSubnet', "overlaps this overlay's subnet");
  hasProblem(t, problems, 'overlays[3].name', '1 to 13 characters');
  hasProblem(t, problems, 'overlays[3].subnet', 'must be an IPv4 CIDR');
  hasProblem(t, problems, 'overlays[3].prefixLength', 'must be an integer');
  hasProblem(t, problems, 'overlays[4]', 'must be an object');
  // Invalid fields take no part in conflicts: overlays[1]'s subnet holds overlays[2]'s, unreported.
  t.false(
    problems.some((p) => p.startsWith('overlays[0]')),
    problems.join('\n'),
  );
  t.is(problems.length, 14, problems.join('\n'));
});

test('conflicts between overlays: names, VNIs, subnets, VTEP subnets', (t) => {
  const problems = problemsOf(t, () =>
    parseOverlays([
      defaultOverlayInput,
      { name: 'dcos', subnet: '9.4.0.0/16', vni: 1024 },
      { name: 'other', subnet: '44.128.0.0/16', vni: 2048, vtepSubnet: '45.0.0.0/20' },
      { name: 'v6a', subnet: '12.0.0.0/8', vni: 7, vtepSubnet: '44.130.0.0/20', subnet6: 'fd00::/48' },
      {
        name: 'v6b',
        subnet: '13.0.0.0/8',
        vni: 8,
        vtepSubnet: '44.131.0.0/20',
        subnet6: 'fd00:0:0:1::/64',
        vtepSubnet6: 'fd01:a:0:1::/64',
      },
    ]),
  );
  hasProblem(t, problems, 'overlays[1].name', 'duplicates overlays[0].name ("dcos")');
  hasProblem(t, problems, 'overlays[1].vni', 'duplicates overlays[0].vni (1024)');
  hasProblem(t, problems, 'overlays[1].subnet', 'overlaps overlays[0].subnet (9.0.0.0/8)');
  hasProblem(t, problems, 'overlays[1].vtepSubnet', 'overlaps overlays[0].vtepSubnet (44.128.0.0/20)');
  hasProblem(t, problems, 'overlays[0].vtepSubnet', 'overlaps overlays[2].subnet (44.128.0.0/16)');
  hasProblem(t, problems, 'overlays[1].vtepSubnet', 'overlaps overlays[2].subnet (44.128.0.0/16)');
  hasProblem(t, problems, 'overlays[4].subnet6', 'overlaps overlays[3].subnet6 (fd00::/48)');
  t.is(problems.length, 7, problems.join('\n'));
  t.deepEqual(
    problemsOf(t, () => parseOverlays({ overlays: [] })),
    ['overlays: must be an array of overlays, got a object'],
  );
  t.deepEqual(parseOverlays([]), []);
  const two = parseOverlays([
    defaultOverlayInput,
    { name: 'b', subnet: '10.0.0.0/8', vni: 2, vtepSubnet: '44.129.0.0/20' },
  ]);
  t.deepEqual(
    two.map((o) => o.name),
    ['dcos', 'b'],
  );
});

test('SliceExhaustedError says which overlay and what limits it', (t) => {
  const small = parseOverlay({ name: 'dcos', subnet: '9.0.0.0/16' });
  const e = new SliceExhaustedError(small.name, small.claimableSlices, small);
  t.like(e, {
    name: 'SliceExhaustedError',
    code: 'ERR_TRELLIS_SLICES_EXHAUSTED',
    overlay: 'dcos',
    slices: 256,
  });
  t.is(e.message, 'overlay dcos: all 256 /24 slices of 9.0.0.0/16 are held by live agents');
  const big = parseOverlay(defaultOverlayInput);
  t.regex(
    new SliceExhaustedError(big.name, big.claimableSlices, big).message,
    /all 4094 claimable \/24 slices of 9\.0\.0\.0\/8 .* VTEP subnet 44\.128\.0\.0\/20 has only 4094 addresses/,
  );
  t.is(new SliceExhaustedError('x', 3).message, 'overlay x: all 3 claimable slices are held by live agents');
});
