import test from 'ava';
import { parseOverlay } from '../src/overlay-config.js';
import { SliceExhaustedError } from '../src/routes-errors.js';

const messageOf = (input: unknown): string => {
  const o = parseOverlay(input);
  return new SliceExhaustedError(o.name, o.claimableSlices, o).message;
};

test('slices capped by the 2^24 VTEP MACs: the message names the MAC space, not a VTEP subnet to widen', (t) => {
  // IPv6-only: 2^48 slices, a /64 of VTEP IPv6 addresses; the MAC's 24 bits are the limit.
  const six = messageOf({ name: 'big', subnet6: 'fd01:b::/32', prefixLength6: 80 });
  t.regex(six, /all 16777216 claimable \/80 slices of fd01:b::\/32/);
  t.notRegex(six, /fd01:a::\/64 has only/);
  t.regex(six, /24 bits/);
  // IPv4 with a VTEP subnet wider than 2^24 addresses: the same limit.
  const four = messageOf({
    name: 'wide',
    subnet: '160.0.0.0/3',
    prefixLength: 28,
    vtepSubnet: '128.0.0.0/6',
  });
  t.notRegex(four, /128\.0\.0\.0\/6 has only/);
  t.regex(four, /24 bits/);
});

test('a dual-stack overlay whose VTEP subnet6 is the limit names vtepSubnet6', (t) => {
  const m = messageOf({
    name: 'ds',
    subnet: '12.0.0.0/8',
    vtepSubnet: '44.129.0.0/16',
    subnet6: 'fd01:b::/64',
    vtepSubnet6: 'fd01:a::/120',
  });
  t.regex(m, /all 255 claimable \/24 slices of 12\.0\.0\.0\/8/);
  t.regex(m, /VTEP subnet6 fd01:a::\/120 has only 255 addresses/);
  t.notRegex(m, /44\.129\.0\.0\/16 has only/);
});
