import test from 'ava';
import { defaultOverlayInput, parseOverlay, vtepMac, type Overlay, type RouteEntry } from '@trellis/routes';
import { AssertionError } from '@trellis/runtime';
import { desiredState, gatewayOf, type OverlayPlanInput } from '../src/planner/desired-state.js';

const dcos = parseOverlay(defaultOverlayInput);
const blue = parseOverlay({ name: 'blue', subnet: '172.16.0.0/16', vni: 1025, vtepSubnet: '44.129.0.0/20' });

function entry(
  overlay: Overlay,
  owner: string,
  slice: number,
  underlayIp: string,
  over: Partial<RouteEntry> = {},
) {
  const { index: _index, ...subnets } = overlay.slice(slice);
  const vtepIp = overlay.vtepIp(slice);
  const base = { ...subnets, overlay: overlay.name, owner, generation: 1, version: 1, slice, underlayIp };
  return { ...base, vtepIp, vtepMac: vtepMac(vtepIp), ...over };
}

function input(over: Partial<OverlayPlanInput> = {}): OverlayPlanInput {
  return {
    overlay: dcos,
    local: entry(dcos, 'agent-a', 5, '10.0.0.1'),
    remotes: [],
    underlayMtu: 1500,
    bridges: false,
    ...over,
  };
}

test('the VTEP: vtep<vni>, VNI, port, local underlay IP, our MAC, VTEP IP with the VTEP prefix, MTU - 50', (t) => {
  const { state, warnings } = desiredState([input()]);
  t.deepEqual(state.vteps, [
    {
      name: 'vtep1024',
      vni: 1024,
      port: 64000,
      localIp: '10.0.0.1',
      mtu: 1450,
      mac: '70:b3:d5:80:00:06',
      address: '44.128.0.6/20',
    },
  ]);
  t.deepEqual([state.bridges, state.neighbors, state.fdb, state.routes], [[], [], [], []]);
  t.deepEqual(warnings, []);
});

test('an IPv6 underlay costs 70 bytes, and the bridges take the VTEP MTU', (t) => {
  const { state } = desiredState([input({ underlayMtu: 9000, underlayIpv6: true, bridges: true })]);
  t.is(state.vteps[0]?.mtu, 8930);
  t.deepEqual(
    state.bridges.map((b) => b.mtu),
    [8930, 8930],
  );
});

test('bridges: m-<name> gets the Mesos half gateway, d-<name> the Docker half gateway', (t) => {
  const { state } = desiredState([input({ bridges: true })]);
  t.deepEqual(state.bridges, [
    { name: 'd-dcos', address: '9.0.5.129/25', mtu: 1450 },
    { name: 'm-dcos', address: '9.0.5.1/25', mtu: 1450 },
  ]);
  t.is(gatewayOf('10.0.255.252/30'), '10.0.255.253/30');
});

test('no slice yet: nothing at all, whatever the table holds', (t) => {
  const remotes = [entry(dcos, 'agent-b', 7, '10.0.0.2')];
  const { state, warnings } = desiredState([input({ local: undefined, remotes, bridges: true })]);
  t.deepEqual(state, { vteps: [], bridges: [], neighbors: [], fdb: [], routes: [] });
  t.deepEqual(warnings, []);
});

test('a remote: neighbor VTEP IP -> MAC, FDB MAC -> underlay IP, route agent subnet via VTEP IP; our own entry is ignored', (t) => {
  const local = entry(dcos, 'agent-a', 5, '10.0.0.1');
  const { state, warnings } = desiredState([
    input({ local, remotes: [local, entry(dcos, 'agent-b', 7, '10.0.0.2')] }),
  ]);
  t.deepEqual(state.neighbors, [{ dev: 'vtep1024', ip: '44.128.0.8', mac: '70:b3:d5:80:00:08' }]);
  t.deepEqual(state.fdb, [{ dev: 'vtep1024', mac: '70:b3:d5:80:00:08', dst: '10.0.0.2' }]);
  t.deepEqual(state.routes, [{ dst: '9.0.7.0/24', gateway: '44.128.0.8', dev: 'vtep1024' }]);
  t.deepEqual(warnings, []);
});

test('remotes colliding with us are skipped and reported', (t) => {
  const remotes = [
    entry(dcos, 'agent-b', 7, '10.0.0.2', { vtepIp: '44.128.0.6' }),
    entry(dcos, 'agent-c', 8, '10.0.0.3', { vtepMac: '70:b3:d5:80:00:06' }),
    entry(dcos, 'agent-d', 5, '10.0.0.4', { vtepIp: '44.128.0.99', vtepMac: '70:b3:d5:80:00:99' }),
    entry(blue, 'agent-e', 9, '10.0.0.5'),
  ];
  const { state, warnings } = desiredState([input({ remotes })]);
  t.deepEqual([state.neighbors, state.fdb, state.routes], [[], [], []]);
  t.deepEqual(
    warnings.map((w) => [w.owner, w.reason, w.keptOwner]),
    [
      ['agent-b', 'sameVtepIpAsLocal', 'agent-a'],
      ['agent-c', 'sameVtepMacAsLocal', 'agent-a'],
      ['agent-d', 'sameAgentSubnetAsLocal', 'agent-a'],
      ['agent-e', 'otherOverlay', undefined],
    ],
  );
  t.like(warnings[0], { type: 'remoteSkipped', overlay: 'dcos', slice: 7 });
});

test('duplicates between remotes: the lexicographically first owner keeps the address, whatever the input order', (t) => {
  const remotes = [
    entry(dcos, 'agent-z', 7, '10.0.0.9', { vtepIp: '44.128.0.50', vtepMac: '70:b3:d5:80:00:50' }),
    entry(dcos, 'agent-y', 8, '10.0.0.8', { vtepIp: '44.128.0.8' }),
    entry(dcos, 'agent-w', 11, '10.0.0.6', { vtepMac: '70:b3:d5:80:00:0a' }),
    entry(dcos, 'agent-c', 9, '10.0.0.3', { vtepIp: '44.128.0.8' }),
    entry(dcos, 'agent-b', 7, '10.0.0.2', { vtepIp: '44.128.0.77', vtepMac: '70:b3:d5:80:00:77' }),
    entry(dcos, 'agent-x', 10, '10.0.0.7'),
  ];
  const forward = desiredState([input({ remotes })]);
  const backward = desiredState([input({ remotes: [...remotes].reverse() })]);
  t.deepEqual(forward, backward);
  t.deepEqual(
    forward.state.routes.map((r) => r.dst),
    ['9.0.10.0/24', '9.0.7.0/24', '9.0.9.0/24'],
  );
  t.deepEqual(
    forward.warnings.map((w) => [w.owner, w.reason, w.keptOwner]),
    [
      ['agent-w', 'duplicateVtepMac', 'agent-c'],
      ['agent-y', 'duplicateVtepIp', 'agent-c'],
      ['agent-z', 'duplicateAgentSubnet', 'agent-b'],
    ],
  );
});

test('two overlays: independent devices; a shared device name is a bug', (t) => {
  const { state } = desiredState([
    input({ remotes: [entry(dcos, 'agent-b', 7, '10.0.0.2')] }),
    input({
      overlay: blue,
      local: entry(blue, 'agent-a', 3, '10.0.0.1'),
      remotes: [entry(blue, 'agent-b', 4, '10.0.0.2')],
    }),
  ]);
  t.deepEqual(
    state.vteps.map((v) => [v.name, v.address]),
    [
      ['vtep1024', '44.128.0.6/20'],
      ['vtep1025', '44.129.0.4/20'],
    ],
  );
  t.deepEqual(
    state.routes.map((r) => [r.dst, r.dev]),
    [
      ['172.16.4.0/24', 'vtep1025'],
      ['9.0.7.0/24', 'vtep1024'],
    ],
  );
  t.throws(() => desiredState([input(), input()]), { instanceOf: AssertionError });
});
