import test from 'ava';
import { ConfigError } from '@trellis/runtime';
import { parseOverlay, parseOverlays } from '../src/overlay-config.js';

/**
 * IPv6 ranges no overlay can use: a VTEP or container there would be unspecified or loopback,
 * a group address, need a scope, or be an IPv4 address in disguise — what route admission refuses
 * as an underlay. On an IPv6-only overlay the VTEP IPv6 is the route record's `vi`.
 */
const unusable = [
  '::/127',
  '::/64',
  '::ffff:0:0/96',
  '::ffff:2c80:0/112',
  'fe80::/64',
  'febf::/64',
  'ff02::/64',
  'ff00::/8',
];

test('subnet6 and vtepSubnet6 in unspecified, loopback, IPv4-mapped, link-local or multicast space are config problems', (t) => {
  for (const cidr of unusable) {
    for (const key of ['subnet6', 'vtepSubnet6']) {
      const input = {
        name: 'six',
        subnet6: 'fd01:b::/64',
        prefixLength6: 112,
        vtepSubnet6: 'fd01:a::/64',
        [key]: cidr,
      };
      const error = t.throws(() => parseOverlay(input), { instanceOf: ConfigError }, `${key} ${cidr}`);
      t.true(
        error?.problems.some((p) => p.path === `overlay.${key}` && /cannot hold/.test(p.message)) ?? false,
        `${key} ${cidr}: ${error?.message ?? ''}`,
      );
    }
  }
  // Unique local, global and documentation space stay usable.
  for (const cidr of ['fd01:b::/64', '2001:db8::/64', '2a00:1450::/64', 'fec0::/64'])
    t.notThrows(() => parseOverlay({ name: 'six', subnet6: cidr, vtepSubnet6: 'fd01:a::/64' }), cidr);
});

test('IPv4 subnets and VTEP subnets may not overlap 0/8, 127/8, multicast or 240/4', (t) => {
  const error = t.throws(
    () =>
      parseOverlays([
        { name: 'a', subnet: '127.0.0.0/8' },
        { name: 'b', subnet: '9.0.0.0/8', vni: 2, vtepSubnet: '224.0.0.0/20' },
        { name: 'c', subnet: '0.0.0.0/1', vni: 3, vtepSubnet: '44.130.0.0/20' },
        { name: 'd', subnet: '10.0.0.0/8', vni: 4, vtepSubnet: '240.0.0.0/20' },
      ]),
    { instanceOf: ConfigError },
  );
  const problems = error?.problems.map((p) => `${p.path}: ${p.message}`) ?? [];
  for (const [path, what] of [
    ['overlays[0].subnet', 'loopback'],
    ['overlays[1].vtepSubnet', 'multicast'],
    ['overlays[2].subnet', '"this network"'],
    ['overlays[3].vtepSubnet', 'reserved space and broadcast'],
  ] as const)
    t.true(
      problems.some((p) => p.startsWith(`${path}: `) && p.includes(what)),
      `${path} ~ ${what} in\n${problems.join('\n')}`,
    );
});
