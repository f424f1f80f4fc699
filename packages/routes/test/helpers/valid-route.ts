import type { RouteWire } from '../../src/route-record.js';

/** A route record that passes every check: the base the record tests vary one field of. */
export const valid: RouteWire = Object.freeze({
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
