import test from 'ava';
import { clientPrefix } from '../src/client-prefix.js';

const lengths = { ipv4: 24, ipv6: 56 };

test('IPv4 by /24, IPv6 by /56, an IPv4-mapped address as its IPv4', (t) => {
  t.is(clientPrefix('127.0.1.77', lengths), '127.0.1.0/24');
  t.is(clientPrefix('127.0.1.1', lengths), clientPrefix('127.0.1.254', lengths));
  t.not(clientPrefix('127.0.1.1', lengths), clientPrefix('127.0.2.1', lengths));
  t.is(clientPrefix('fd00:1:2:3a4:5::6', lengths), 'fd00:1:2:300::/56');
  t.is(clientPrefix('fd00:1:2:3ff:ffff::1', lengths), clientPrefix('fd00:1:2:300::1', lengths));
  t.is(clientPrefix('::ffff:10.1.2.3', lengths), '10.1.2.0/24');
});

test('any prefix length, including none and the whole address', (t) => {
  t.is(clientPrefix('10.1.2.3', { ipv4: 0, ipv6: 0 }), '0.0.0.0/0');
  t.is(clientPrefix('10.1.2.3', { ipv4: 32, ipv6: 128 }), '10.1.2.3/32');
  t.is(clientPrefix('10.1.2.255', { ipv4: 25, ipv6: 0 }), '10.1.2.128/25');
  t.is(clientPrefix('fd00::1', { ipv4: 0, ipv6: 128 }), 'fd00::1/128');
  t.is(clientPrefix('fe80::1%eth0', lengths), 'fe80::/56');
});

test('text that is not an address gets one shared key instead of a throw', (t) => {
  t.is(clientPrefix('nonsense', lengths), 'unparsed');
  t.is(clientPrefix('', lengths), 'unparsed');
});
