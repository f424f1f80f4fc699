import test from 'ava';
import { parseOverlay, toRouteEntry, type Overlay, type RouteEntry, type RouteWire } from '@trellis/routes';
import type { KernelState, Op } from '../src/kernel-model.js';
import { desiredState, gatewayOf, type OverlayPlanInput } from '../src/planner/desired-state.js';
import { applyOps } from '../src/planner/memory-kernel.js';
import { plan } from '../src/planner/plan.js';

/** DC/OS's dual-stack overlay: fd01:b::/64 in /80 slices, VTEP IPv6 from fd01:a::/64. */
const dcos6 = parseOverlay({
  name: 'dcos6',
  subnet: '12.0.0.0/8',
  vni: 1025,
  vtepSubnet: '44.129.0.0/20',
  subnet6: 'fd01:b::/64',
  prefixLength6: 80,
  vtepSubnet6: 'fd01:a::/64',
});
const empty: KernelState = { vteps: [], bridges: [], neighbors: [], fdb: [], routes: [] };

/** An entry as the route store computes it from a record (so vtepIp6 is the store's). */
function entry(overlay: Overlay, owner: string, s: number, u: string): RouteEntry {
  const vi = overlay.vtepIp(s);
  const low = vi.split('.').slice(1);
  const vm = ['70', 'b3', 'd5', ...low.map((x) => Number(x).toString(16).padStart(2, '0'))].join(':');
  const r: RouteWire = { t: 'r', o: overlay.name, w: owner, g: 1, v: 1, st: 1, c: 1, s, u, vi, vm };
  return toRouteEntry(overlay, r);
}

const local = entry(dcos6, 'agent-a', 5, '10.0.0.1');
const b = entry(dcos6, 'agent-b', 7, '10.0.0.2');

function input(l: RouteEntry, remotes: RouteEntry[], over: Partial<OverlayPlanInput> = {}) {
  return { overlay: dcos6, local: l, remotes, underlayMtu: 1500, bridges: true, ...over };
}

const summary = (ops: readonly Op[]): string[] =>
  ops.map((op) => {
    const s = op.object.spec as unknown as Record<string, unknown>;
    return `${op.op} ${op.object.kind} ${String(s['name'] ?? s['ip'] ?? s['mac'] ?? s['dst'])}`;
  });

test('gatewayOf: the first host of an IPv4 or IPv6 network, with its prefix, IPv6 in RFC 5952 text', (t) => {
  t.is(gatewayOf('9.0.5.128/25'), '9.0.5.129/25');
  t.is(gatewayOf('fd01:b:0:0:5::/81'), 'fd01:b::5:0:0:1/81');
  t.is(gatewayOf('fd01:b::5:8000:0:0/81'), 'fd01:b::5:8000:0:1/81');
  t.is(gatewayOf('fd00::ff00/120'), 'fd00::ff01/120');
});

test('dual-stack: VTEP and bridges get IPv6 addresses; a remote gets an IPv6 neighbor (same MAC) and route', (t) => {
  const { state } = desiredState([input(local, [b])]);
  t.like(state.vteps[0], { name: 'vtep1025', address: '44.129.0.6/20', address6: 'fd01:a::6/64' });
  t.deepEqual(
    state.bridges.map((x) => [x.name, x.address, x.address6]),
    [
      ['d-dcos6', '12.0.5.129/25', 'fd01:b::5:8000:0:1/81'],
      ['m-dcos6', '12.0.5.1/25', 'fd01:b::5:0:0:1/81'],
    ],
  );
  t.deepEqual(state.neighbors, [
    { dev: 'vtep1025', ip: '44.129.0.8', mac: '70:b3:d5:81:00:08' },
    { dev: 'vtep1025', ip: 'fd01:a::8', mac: '70:b3:d5:81:00:08' },
  ]);
  t.deepEqual(state.fdb, [{ dev: 'vtep1025', mac: '70:b3:d5:81:00:08', dst: '10.0.0.2' }]);
  t.deepEqual(state.routes, [
    { dst: '12.0.7.0/24', gateway: '44.129.0.8', dev: 'vtep1025' },
    { dst: 'fd01:b:0:0:7::/80', gateway: 'fd01:a::8', dev: 'vtep1025' },
  ]);
  t.deepEqual(summary(plan(state, empty)), [
    'put vtep vtep1025',
    'put bridge d-dcos6',
    'put bridge m-dcos6',
    'put neighbor 44.129.0.8',
    'put neighbor fd01:a::8',
    'put fdb 70:b3:d5:81:00:08',
    'put route 12.0.7.0/24',
    'put route fd01:b:0:0:7::/80',
  ]);
});

test('a departed dual-stack remote: both routes, the FDB entry, both neighbors deleted in that order', (t) => {
  const before = desiredState([input(local, [b])]).state;
  const after = desiredState([input(local, [])]).state;
  const ops = plan(after, before);
  t.deepEqual(summary(ops), [
    'delete route 12.0.7.0/24',
    'delete route fd01:b:0:0:7::/80',
    'delete fdb 70:b3:d5:81:00:08',
    'delete neighbor 44.129.0.8',
    'delete neighbor fd01:a::8',
  ]);
  t.deepEqual(applyOps(before, ops), after);
});

test('a stale IPv6 address on a link is replaced with its previous; an overlay losing IPv6 drops its IPv6 objects', (t) => {
  const desired = desiredState([input(local, [b])]).state;
  const tampered = { ...desired, vteps: [{ ...desired.vteps[0]!, address6: 'fd01:a::99/64' }] };
  const ops = plan(desired, tampered);
  t.deepEqual(summary(ops), ['put vtep vtep1025']);
  t.like(ops[0], { previous: { spec: { address6: 'fd01:a::99/64' } } });
  const v4 = parseOverlay({ name: 'dcos6', subnet: '12.0.0.0/8', vni: 1025, vtepSubnet: '44.129.0.0/20' });
  const v4state = desiredState([
    input(entry(v4, 'agent-a', 5, '10.0.0.1'), [entry(v4, 'agent-b', 7, '10.0.0.2')], { overlay: v4 }),
  ]).state;
  t.deepEqual(summary(plan(v4state, desired)), [
    'put vtep vtep1025',
    'put bridge d-dcos6',
    'put bridge m-dcos6',
    'delete route fd01:b:0:0:7::/80',
    'delete neighbor fd01:a::8',
  ]);
  t.false('address6' in v4state.vteps[0]!);
});

test('an IPv6 underlay: VTEP MTU - 70, FDB dst IPv6; a remote of the other underlay family is skipped and reported', (t) => {
  const l6 = entry(dcos6, 'agent-a', 5, 'fd00::1');
  const b6 = entry(dcos6, 'agent-b', 7, 'fd00::2');
  const c4 = entry(dcos6, 'agent-c', 9, '10.0.0.3');
  const { state, warnings } = desiredState([input(l6, [b6, c4], { underlayIpv6: true })]);
  t.like(state.vteps[0], { localIp: 'fd00::1', mtu: 1430 });
  t.deepEqual(state.fdb, [{ dev: 'vtep1025', mac: '70:b3:d5:81:00:08', dst: 'fd00::2' }]);
  t.deepEqual(warnings, [
    { type: 'remoteSkipped', overlay: 'dcos6', owner: 'agent-c', slice: 9, reason: 'underlayFamilyMismatch' },
  ]);
  t.is(state.routes.length, 2);
});
