/**
 * Forged and malformed route records on an IPv4, a dual-stack and an IPv6-only overlay, sent
 * through the store as a peer would: each is refused and counted (never thrown, never in a
 * converged table), or, where the address is a valid one, taken as it says.
 */
import test from 'ava';
import { StoreTestbed } from '@trellis/store/testbed';
import { parseOverlays } from '../src/overlay-config.js';
import type { RouteWire } from '../src/route-record.js';
import { RouteStore } from '../src/route-store.js';

const overlays = parseOverlays([
  { name: 'dcos', subnet: '9.0.0.0/8' },
  {
    name: 'ds',
    subnet: '12.0.0.0/8',
    subnet6: 'fd02:b::/64',
    vtepSubnet: '44.129.0.0/20',
    vtepSubnet6: 'fd02:a::/64',
    vni: 1026,
  },
  { name: 'dcos6', subnet6: 'fd01:b::/64', vtepSubnet6: 'fd01:a::/64', vni: 1025 },
]);

function store() {
  const bed = new StoreTestbed({ selfId: 'self', generation: 1_000, seed: 7 });
  const s = new RouteStore({
    ctx: bed.context('routes'),
    overlays,
    config: { settleMs: 3000, graceMs: 10_000, reclaimMs: 60_000, recomputeDelayMs: 100 },
  });
  return { bed, s };
}

/** A settled record of `w` on `o`, slice 5, with the VTEP address of that overlay's family. */
const rec = (o: string, w: string, over: Partial<RouteWire> = {}): RouteWire => ({
  t: 'r',
  o,
  w,
  g: 500,
  v: 1,
  st: 1,
  c: 0,
  s: 5,
  u: '192.168.0.10',
  vi: o === 'dcos6' ? 'fd01:a::6' : o === 'ds' ? '44.129.0.6' : '44.128.0.6',
  vm: '70:b3:d5:00:00:06',
  ...over,
});

/** Each case: overlay, what `vi` (or another field) says, and why it must be refused. */
const refused: [string, Partial<RouteWire>, string][] = [
  ['dcos', { vi: 'fd01:a::6' }, 'IPv6 vi on an IPv4 overlay'],
  ['ds', { vi: 'fd02:a::6' }, 'IPv6 vi on a dual-stack overlay (its wire vi is the VTEP IPv4)'],
  ['dcos6', { vi: '44.128.0.6' }, 'IPv4 vi on an IPv6-only overlay'],
  ['dcos6', { vi: 'fd01:a:0::6' }, 'non-canonical: a needless ::'],
  ['dcos6', { vi: 'fd01:a:0:0:0:0:0:6' }, 'non-canonical: uncompressed'],
  ['dcos6', { vi: 'fd01:000a::6' }, 'non-canonical: leading zeros'],
  ['dcos6', { vi: 'FD01:A::6' }, 'non-canonical: uppercase'],
  ['dcos6', { vi: 'fd01:a::6%eth0' }, 'zone id'],
  ['dcos6', { vi: 'fd01:a::6%1' }, 'numeric zone id'],
  ['dcos6', { vi: 'fd01:a::' }, "vtepSubnet6's network address"],
  ['dcos6', { vi: 'fd01:b::6' }, 'an address of subnet6, not vtepSubnet6'],
  ['dcos6', { vi: 'fd02:a::6' }, "another overlay's vtepSubnet6"],
  ['dcos6', { vi: '::ffff:44.128.0.6' }, 'IPv4-mapped, dotted'],
  ['dcos6', { vi: '::ffff:2c80:6' }, 'IPv4-mapped, canonical hex'],
  ['dcos', { vi: '::ffff:2c80:6' }, 'IPv4-mapped on an IPv4 overlay'],
  ['dcos6', { vi: '::' }, 'unspecified'],
  ['dcos6', { vi: '::1' }, 'loopback'],
  ['dcos6', { vi: 'ff02::1' }, 'multicast'],
  ['dcos6', { vi: 'fe80::6' }, 'link-local'],
  ['dcos6', { vi: `fd01:a::${'6'.repeat(100_000)}` }, 'a very long string'],
  ['dcos6', { vi: `${'0:'.repeat(50_000)}6` }, 'a very long run of groups'],
  ['dcos6', { vi: '' }, 'empty'],
  ['dcos6', { vi: 6 as unknown as string }, 'not a string'],
  ['dcos6', { vm: '71:b3:d5:00:00:06' }, 'a group MAC'],
  ['dcos6', { u: '::ffff:192.168.0.10' }, 'an IPv4-mapped underlay'],
  ['dcos6', { u: 'fe80::1' }, 'a link-local underlay'],
];

test('forged VTEP addresses on IPv4, dual-stack and IPv6-only overlays are refused and counted, never thrown', (t) => {
  const { bed, s } = store();
  refused.forEach(([o, over, why], i) => {
    t.notThrows(() => s.handleRecord(bed.now, 'peer:7946', rec(o, `p${i}`, over)), why);
    t.is(s.record(o, `p${i}`), undefined, why);
  });
  const rejected = bed.events(s).filter((e) => e.type === 'routeRejected');
  t.is(rejected.length, refused.length);
  t.is(s.stats().records, 0);
  t.is(
    Object.values(s.stats().rejected).reduce((a, b) => a + b, 0),
    refused.length,
  );
  bed.advance(s, bed.now + 100);
  for (const o of overlays) t.deepEqual(s.routes(o.name), [], o.name);
});

test('the same peers with valid addresses of each family are taken and routed as they say', (t) => {
  const { bed, s } = store();
  for (const id of ['a', 'b', 'c']) bed.member(id, 'alive');
  s.handleRecord(bed.now, 'a:7946', rec('dcos', 'a'));
  s.handleRecord(bed.now, 'b:7946', rec('ds', 'b'));
  s.handleRecord(bed.now, 'c:7946', rec('dcos6', 'c', { vi: 'fd01:a::ffff:ffff:ffff:ffff' }));
  s.markDirty(bed.now);
  bed.advance(s, bed.now + 100);
  t.like(s.routes('dcos')[0], { vtepIp: '44.128.0.6', agentSubnet: '9.0.5.0/24' });
  t.false('vtepIp6' in s.routes('dcos')[0]!);
  // Dual-stack: the wire vi is the VTEP IPv4; the VTEP IPv6 follows from the slice.
  t.like(s.routes('ds')[0], {
    vtepIp: '44.129.0.6',
    vtepIp6: 'fd02:a::6',
    agentSubnet6: 'fd02:b:0:0:5::/80',
  });
  // IPv6-only: the VTEP IPv6 is whatever canonical address of vtepSubnet6 the owner publishes.
  const six = s.routes('dcos6')[0]!;
  t.like(six, { vtepIp6: 'fd01:a::ffff:ffff:ffff:ffff', agentSubnet6: 'fd01:b:0:0:5::/80' });
  t.false('vtepIp' in six);
  t.false('agentSubnet' in six);
});

test('IPv6-only: a record past the overlay’s slices holds nothing and routes nothing', (t) => {
  const { bed, s } = store();
  bed.member('a', 'alive');
  s.handleRecord(bed.now, 'a:7946', rec('dcos6', 'a', { s: 2 ** 16 }));
  s.markDirty(bed.now);
  bed.advance(s, bed.now + 100);
  t.deepEqual(s.routes('dcos6'), []);
});
