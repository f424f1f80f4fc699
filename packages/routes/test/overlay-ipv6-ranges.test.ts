import test from 'ava';
import { ConfigError } from '@trellis/runtime';
import { parseOverlay } from '../src/overlay-config.js';

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
