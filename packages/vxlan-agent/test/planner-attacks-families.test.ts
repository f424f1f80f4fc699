/**
 * The planner on what forged route records can make the route store hand it (records it
 * admits: every address valid for its overlay's family): colliding VTEP IPv6 addresses and MACs
 * on an IPv6-only overlay, and IPv4, dual-stack and IPv6-only overlays planned together, whose
 * objects never mix families.
 */
import { isIPv6 } from 'node:net';
import test from 'ava';
import {
  parseOverlays,
  routeAddressRefusal,
  toRouteEntry,
  validateRouteWire,
  vtepMac,
  type Overlay,
  type RouteEntry,
  type RouteWire,
} from '@trellis/routes';
import { desiredState, type OverlayPlanInput } from '../src/planner/desired-state.js';

const [dcos, ds, dcos6] = parseOverlays([
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
]) as [Overlay, Overlay, Overlay];

/** The entry the route store would make of this record, or a test failure if it would refuse it. */
function admitted(overlay: Overlay, w: string, s: number, over: Partial<RouteWire> = {}): RouteEntry {
  const vi = over.vi ?? overlay.recordVtepIp(s);
  const raw = { t: 'r', o: overlay.name, w, g: 1, v: 1, st: 1, c: 1, s, u: '10.0.0.9', vi, vm: vtepMac(vi) };
  const v = validateRouteWire({ ...raw, ...over });
  if (!v.ok) throw new Error(`refused: ${v.reason}`);
  if (routeAddressRefusal(v.record, overlay, false) !== undefined) throw new Error('refused: invalidAddress');
  return toRouteEntry(overlay, v.record);
}

const input = (overlay: Overlay, local: RouteEntry, remotes: RouteEntry[]): OverlayPlanInput => ({
  overlay,
  local,
  remotes,
  underlayMtu: 1500,
  bridges: true,
});

test('IPv6-only: a VTEP IPv6 past 2^24 whose MAC repeats another agent’s is skipped as a duplicate MAC', (t) => {
  const local = admitted(dcos6, 'agent-a', 5, { u: '10.0.0.1' });
  const b = admitted(dcos6, 'agent-b', 7, { u: '10.0.0.2' }); // fd01:a::8, 70:b3:d5:00:00:08
  // A canonical address of vtepSubnet6 with the same low 24 bits: admitted, and its MAC is b's.
  const c = admitted(dcos6, 'agent-c', 9, { u: '10.0.0.3', vi: 'fd01:a::1:0:8' });
  t.is(c.vtepMac, b.vtepMac);
  // And one whose MAC is ours, published beside a VTEP IPv6 of its own.
  const d = admitted(dcos6, 'agent-d', 11, { u: '10.0.0.4', vm: local.vtepMac });
  const { state, warnings } = desiredState([input(dcos6, local, [d, c, b])]);
  t.deepEqual(
    warnings.map((w) => [w.owner, w.reason, w.keptOwner]),
    [
      ['agent-c', 'duplicateVtepMac', 'agent-b'],
      ['agent-d', 'sameVtepMacAsLocal', 'agent-a'],
    ],
  );
  t.deepEqual(state.neighbors, [{ dev: 'vtep1025', ip: 'fd01:a::8', mac: b.vtepMac }]);
  t.deepEqual(state.fdb, [{ dev: 'vtep1025', mac: b.vtepMac, dst: '10.0.0.2' }]);
});

test('IPv6-only: a remote on our slice under a VTEP IPv6 of its own is skipped; so is one on another’s slice', (t) => {
  const local = admitted(dcos6, 'agent-a', 5, { u: '10.0.0.1' });
  const b = admitted(dcos6, 'agent-b', 7, { u: '10.0.0.2' });
  const ours = admitted(dcos6, 'agent-c', 5, { u: '10.0.0.3', vi: 'fd01:a::77', vm: '02:00:00:00:00:03' });
  const theirs = admitted(dcos6, 'agent-d', 7, { u: '10.0.0.4', vi: 'fd01:a::78', vm: '02:00:00:00:00:04' });
  const { state, warnings } = desiredState([input(dcos6, local, [ours, theirs, b])]);
  t.deepEqual(
    warnings.map((w) => [w.owner, w.reason, w.keptOwner]),
    [
      ['agent-c', 'sameAgentSubnetAsLocal', 'agent-a'],
      ['agent-d', 'duplicateAgentSubnet', 'agent-b'],
    ],
  );
  t.deepEqual(state.routes, [{ dst: 'fd01:b:0:0:7::/80', gateway: 'fd01:a::8', dev: 'vtep1025' }]);
});

test('IPv6-only: our VTEP IPv6 override taken from a remote’s slice makes that remote the one skipped', (t) => {
  // vtep.dcos6.ip = fd01:a::8 (config), which the slice of agent-b derives too.
  const local = admitted(dcos6, 'agent-a', 5, { u: '10.0.0.1', vi: 'fd01:a::8' });
  const b = admitted(dcos6, 'agent-b', 7, { u: '10.0.0.2' });
  const { state, warnings } = desiredState([input(dcos6, local, [b])]);
  t.deepEqual(
    warnings.map((w) => [w.owner, w.reason]),
    [['agent-b', 'sameVtepIpAsLocal']],
  );
  t.is(state.vteps[0]?.address6, 'fd01:a::8/64');
  t.deepEqual(state.neighbors, []);
});

test('IPv4, dual-stack and IPv6-only planned together: no object mixes families, every route has its neighbor', (t) => {
  const at = (o: Overlay, u: string, s: number): RouteEntry =>
    admitted(o, `agent-${u}`, s, { u: `10.0.0.${u}` });
  const inputs = [dcos, ds, dcos6].map((o) => input(o, at(o, '1', 3), [at(o, '2', 4), at(o, '3', 9)]));
  const { state, warnings } = desiredState(inputs);
  t.deepEqual(warnings, []);
  const family = (ip: string): number => (isIPv6(ip.split('/')[0]!) ? 6 : 4);
  const families = (dev: string): number[] =>
    [...new Set(state.neighbors.filter((n) => n.dev === dev).map((n) => family(n.ip)))].sort();
  t.deepEqual(families('vtep1024'), [4]);
  t.deepEqual(families('vtep1026'), [4, 6]);
  t.deepEqual(families('vtep1025'), [6]);
  const vtep6 = state.vteps.find((v) => v.name === 'vtep1025')!;
  t.false('address' in vtep6);
  for (const b of state.bridges.filter((x) => x.name.endsWith('-dcos6'))) t.false('address' in b, b.name);
  for (const r of state.routes) {
    t.is(family(r.dst), family(r.gateway), `${r.dst} via ${r.gateway}`);
    t.true(
      state.neighbors.some((n) => n.dev === r.dev && n.ip === r.gateway),
      `${r.gateway} has a neighbor on ${r.dev}`,
    );
  }
  // Per device, one FDB entry per MAC: dual-stack remotes share theirs between families.
  t.is(state.fdb.length, 6);
  t.is(state.routes.length, 2 + 4 + 2);
});

test('IPv6-only: entries carrying stray IPv4 fields are compared on the IPv6 ones the kernel gets', (t) => {
  // Not what the route store makes of a record (it sets no IPv4 field on an IPv6-only overlay),
  // but the planner must still not program one neighbor twice.
  const local = admitted(dcos6, 'agent-a', 5, { u: '10.0.0.1' });
  const stray = (w: string, s: number, ip: string, mac: string): RouteEntry => ({
    ...admitted(dcos6, w, s, { u: `10.0.0.${s}`, vi: 'fd01:a::99', vm: mac }),
    vtepIp: ip,
    agentSubnet: `9.0.${s}.0/24`,
  });
  const b = stray('agent-b', 7, '44.128.0.8', '02:00:00:00:00:07');
  const c = stray('agent-c', 8, '44.128.0.9', '02:00:00:00:00:08');
  const { state, warnings } = desiredState([input(dcos6, local, [b, c])]);
  t.deepEqual(
    warnings.map((w) => [w.owner, w.reason, w.keptOwner]),
    [['agent-c', 'duplicateVtepIp', 'agent-b']],
  );
  t.deepEqual(
    state.neighbors.map((n) => [n.ip, n.mac]),
    [['fd01:a::99', '02:00:00:00:00:07']],
  );
  t.false(state.routes.some((r) => !isIPv6(r.gateway)));
});
