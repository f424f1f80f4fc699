import test from 'ava';
import { parseOverlay, toRouteEntry, vtepMac, type RouteEntry, type RouteWire } from '@trellis/routes';
import { ConfigError } from '@trellis/runtime';
import { parseAgentConfig } from '../src/config/agent-config.js';
import { dockerNetworkSpec } from '../src/docker/docker-network-spec.js';
import { egressScript } from '../src/egress/egress-rules.js';
import type { KernelState } from '../src/kernel-model.js';
import { desiredState, type OverlayPlanInput } from '../src/planner/desired-state.js';
import { applyOps } from '../src/planner/memory-kernel.js';
import { plan } from '../src/planner/plan.js';
import { resumeSlices } from '../src/resume.js';

/** DC/OS's `dcos6`: IPv6 only. */
const dcos6 = parseOverlay({ name: 'dcos6', subnet6: 'fd01:b::/64', vni: 1025 });
const empty: KernelState = { vteps: [], bridges: [], neighbors: [], fdb: [], routes: [] };

function entry(owner: string, s: number, u: string, over: Partial<RouteWire> = {}): RouteEntry {
  const vi = dcos6.recordVtepIp(s);
  const r: RouteWire = {
    t: 'r',
    o: 'dcos6',
    w: owner,
    g: 1,
    v: 1,
    st: 1,
    c: 1,
    s,
    u,
    vi,
    vm: vtepMac(vi),
    ...over,
  };
  return toRouteEntry(dcos6, r);
}

const local = entry('agent-a', 5, '10.0.0.1');
const b = entry('agent-b', 7, '10.0.0.2');
const input = (l: RouteEntry, remotes: RouteEntry[]): OverlayPlanInput => ({
  overlay: dcos6,
  local: l,
  remotes,
  underlayMtu: 1500,
  bridges: true,
});

test('IPv6-only: the VTEP and bridges get IPv6 addresses only; a remote an FDB entry, IPv6 neighbor and route', (t) => {
  const { state, warnings } = desiredState([input(local, [b])]);
  t.deepEqual(warnings, []);
  t.deepEqual(state.vteps, [
    {
      name: 'vtep1025',
      vni: 1025,
      port: 64000,
      localIp: '10.0.0.1',
      mtu: 1450,
      mac: '70:b3:d5:00:00:06',
      address6: 'fd01:a::6/64',
    },
  ]);
  t.deepEqual(state.bridges, [
    { name: 'd-dcos6', address6: 'fd01:b::5:8000:0:1/81', mtu: 1450 },
    { name: 'm-dcos6', address6: 'fd01:b::5:0:0:1/81', mtu: 1450 },
  ]);
  t.deepEqual(state.neighbors, [{ dev: 'vtep1025', ip: 'fd01:a::8', mac: '70:b3:d5:00:00:08' }]);
  t.deepEqual(state.fdb, [{ dev: 'vtep1025', mac: '70:b3:d5:00:00:08', dst: '10.0.0.2' }]);
  t.deepEqual(state.routes, [{ dst: 'fd01:b:0:0:7::/80', gateway: 'fd01:a::8', dev: 'vtep1025' }]);
  // Planned from nothing and applied, the state reads back as wanted: a second plan is empty.
  const after = applyOps(empty, plan(state, empty));
  t.deepEqual(after, state);
  t.deepEqual(plan(state, after), []);
});

test('IPv6-only collisions: a remote with our VTEP IPv6, or a second owner of one, is skipped and reported', (t) => {
  const squatter = entry('agent-c', 7, '10.0.0.3'); // b's slice, hence b's VTEP IPv6
  const ours = entry('agent-d', 9, '10.0.0.4', { vi: local.vtepIp6!, vm: '70:b3:d5:00:00:99' });
  const { state, warnings } = desiredState([input(local, [squatter, b, ours])]);
  t.deepEqual(
    warnings.map((w) => [w.owner, w.reason, w.keptOwner]),
    [
      ['agent-c', 'duplicateVtepIp', 'agent-b'],
      ['agent-d', 'sameVtepIpAsLocal', 'agent-a'],
    ],
  );
  t.deepEqual(
    state.routes.map((r) => r.gateway),
    ['fd01:a::8'],
  );
});

test('resume: the slice of an IPv6-only overlay is read back from the Mesos bridge, else the VTEP IPv6', (t) => {
  const { state } = desiredState([input(local, [b])]);
  t.deepEqual([...resumeSlices([dcos6], state)], [['dcos6', 5]]);
  const noBridges = { ...state, bridges: [] };
  t.deepEqual([...resumeSlices([dcos6], noBridges)], [['dcos6', 5]], 'from the VTEP IPv6');
  const moved = {
    ...noBridges,
    vteps: state.vteps.map((v) => ({ ...v, address6: 'fd01:a::ffff:0:0:1/64' })),
  };
  t.deepEqual([...resumeSlices([dcos6], moved)], [], 'an address no slice gives names no slice');
});

test('no Docker network and no IPv4 egress rule for an IPv6-only overlay', (t) => {
  t.is(dockerNetworkSpec('dcos6', local, 1450), undefined);
  const script = egressScript(
    [{ name: 'dcos', subnet: '9.0.0.0/8', vtepSubnet: '44.128.0.0/20' }, dcos6],
    true,
  );
  t.false(script.includes('dcos6'));
  t.true(script.includes('ip saddr 9.0.0.0/8'));
  t.is(egressScript([dcos6], true), 'table ip trellis {}\ndelete table ip trellis\n');
});

test('agent config: dcos6 IPv6-only beside dcos; a VTEP IP override there is an IPv6 of vtepSubnet6', (t) => {
  const base = {
    nodeId: 'agent-1',
    bind: '10.0.0.5:7946',
    plaintext: true,
    identity: 'none',
    underlay: { interface: 'eth0' },
    overlays: [
      { name: 'dcos', subnet: '9.0.0.0/8' },
      { name: 'dcos6', subnet6: 'fd01:b::/64', vni: 1025 },
    ],
  };
  const c = parseAgentConfig({ ...base, vtep: { dcos6: { ip: 'fd01:a::9' } } });
  t.false('subnet' in c.overlays[1]!);
  t.deepEqual(c.vtep, { dcos6: { ip: 'fd01:a::9' } });
  const error = t.throws(() => parseAgentConfig({ ...base, vtep: { dcos6: { ip: '44.128.0.9' } } }), {
    instanceOf: ConfigError,
  });
  t.regex(error?.message ?? '', /vtep\.dcos6\.ip: must be an IPv6 address \(RFC 5952 text\) of fd01:a::\/64/);
});
