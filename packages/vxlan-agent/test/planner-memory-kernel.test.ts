import test from 'ava';
import { InvalidStateError } from '@trellis/runtime';
import type { KernelState, VtepSpec } from '../src/kernel-model.js';
import { canonicalState } from '../src/planner/kernel-identity.js';
import { applyOps } from '../src/planner/memory-kernel.js';

const vtep: VtepSpec = {
  name: 'vtep1024',
  vni: 1024,
  port: 64000,
  localIp: '10.0.0.1',
  mtu: 1450,
  mac: '70:b3:d5:80:00:06',
  address: '44.128.0.6/20',
};
const neighbor = { dev: 'vtep1024', ip: '44.128.0.8', mac: '70:b3:d5:80:00:08' };
const fdb = { dev: 'vtep1024', mac: '70:b3:d5:80:00:08', dst: '10.0.0.2' };
const route = { dst: '9.0.7.0/24', gateway: '44.128.0.8', dev: 'vtep1024' };
const bridge = { name: 'm-dcos', address: '9.0.5.1/25', mtu: 1450 };
const full: KernelState = {
  vteps: [vtep],
  bridges: [bridge],
  neighbors: [neighbor],
  fdb: [fdb],
  routes: [route],
};
const empty: KernelState = { vteps: [], bridges: [], neighbors: [], fdb: [], routes: [] };

test('put creates, put of the same identity replaces, the input is left alone', (t) => {
  const before = structuredClone(full);
  const after = applyOps(full, [
    { op: 'put', object: { kind: 'neighbor', spec: { ...neighbor, mac: '70:b3:d5:00:00:01' } } },
    { op: 'put', object: { kind: 'route', spec: { ...route, gateway: '44.128.0.9' } } },
    { op: 'put', object: { kind: 'fdb', spec: { ...fdb, mac: '70:b3:d5:00:00:01' } } },
  ]);
  t.deepEqual(after.neighbors, [{ ...neighbor, mac: '70:b3:d5:00:00:01' }]);
  t.deepEqual(after.routes, [{ ...route, gateway: '44.128.0.9' }]);
  t.is(after.fdb.length, 2, 'FDB entries are keyed by MAC: a new MAC is a second entry');
  t.deepEqual(full, before);
});

test('delete goes by identity whatever the other fields; deleting what is missing is a no-op', (t) => {
  const after = applyOps(full, [
    { op: 'delete', object: { kind: 'neighbor', spec: { ...neighbor, mac: '00:00:00:00:00:00' } } },
    { op: 'delete', object: { kind: 'route', spec: { ...route, gateway: '1.2.3.4', dev: 'other' } } },
    { op: 'delete', object: { kind: 'fdb', spec: { ...fdb, mac: '70:b3:d5:00:00:99' } } },
    { op: 'delete', object: { kind: 'vtep', spec: { ...vtep, name: 'vtep7' } } },
  ]);
  t.deepEqual(after, { ...full, neighbors: [], routes: [] });
});

test('deleting a link removes everything on it, as the kernel does', (t) => {
  t.deepEqual(applyOps(full, [{ op: 'delete', object: { kind: 'vtep', spec: vtep } }]), {
    ...empty,
    bridges: [bridge],
  });
});

test('putting a VTEP with another VNI, port, local IP or MAC recreates it, empty; MTU and address do not', (t) => {
  for (const change of [{ vni: 7 }, { port: 4789 }, { localIp: '10.0.0.9' }, { mac: '70:b3:d5:00:00:01' }]) {
    const spec = { ...vtep, ...change };
    t.deepEqual(applyOps(full, [{ op: 'put', object: { kind: 'vtep', spec } }]), {
      ...empty,
      vteps: [spec],
      bridges: [bridge],
    });
  }
  for (const change of [{ mtu: 8950 }, { address: '44.128.0.7/20' }]) {
    const spec = { ...vtep, ...change };
    t.deepEqual(applyOps(full, [{ op: 'put', object: { kind: 'vtep', spec } }]), { ...full, vteps: [spec] });
  }
});

test('an entry on a missing device is refused (ENODEV); on a bridge it is fine', (t) => {
  t.throws(() => applyOps(empty, [{ op: 'put', object: { kind: 'neighbor', spec: neighbor } }]), {
    instanceOf: InvalidStateError,
    message: /no device vtep1024/,
  });
  const onBridge = { ...route, dev: 'm-dcos' };
  t.deepEqual(applyOps(full, [{ op: 'put', object: { kind: 'route', spec: onBridge } }]).routes, [onBridge]);
});

test('the result is sorted by identity key', (t) => {
  const n2 = { ...neighbor, ip: '44.128.0.10' };
  const shuffled = { ...full, neighbors: [neighbor, n2] };
  t.deepEqual(applyOps(shuffled, []), canonicalState(shuffled));
  t.deepEqual(
    applyOps(shuffled, []).neighbors.map((n) => n.ip),
    ['44.128.0.10', '44.128.0.8'],
  );
});

test('a link of the other kind under the same name is replaced by a recreate', (t) => {
  const squat = { ...bridge, name: 'vtep1024' };
  const observed = { ...full, vteps: [], bridges: [squat] };
  t.deepEqual(applyOps(observed, [{ op: 'put', object: { kind: 'vtep', spec: vtep } }]), {
    ...empty,
    vteps: [vtep],
  });
});
