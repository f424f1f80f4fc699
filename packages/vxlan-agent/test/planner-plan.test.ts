import test, { type ExecutionContext } from 'ava';
import { defaultOverlayInput, parseOverlay, vtepMac, type Overlay, type RouteEntry } from '@trellis/routes';
import type { KernelState, Op } from '../src/kernel-model.js';
import { desiredState, type OverlayPlanInput } from '../src/planner/desired-state.js';
import { applyOps } from '../src/planner/memory-kernel.js';
import { isRecreate, plan } from '../src/planner/plan.js';

const dcos = parseOverlay(defaultOverlayInput);
const blue = parseOverlay({ name: 'blue', subnet: '172.16.0.0/16', vni: 1025, vtepSubnet: '44.129.0.0/20' });
const empty: KernelState = { vteps: [], bridges: [], neighbors: [], fdb: [], routes: [] };

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

const local = entry(dcos, 'agent-a', 5, '10.0.0.1');
const b = entry(dcos, 'agent-b', 7, '10.0.0.2');
const c = entry(dcos, 'agent-c', 8, '10.0.0.3');

function state(remotes: RouteEntry[], over: Partial<OverlayPlanInput> = {}): KernelState {
  return desiredState([{ overlay: dcos, local, remotes, underlayMtu: 1500, bridges: false, ...over }]).state;
}

/** Each op as `put|delete kind key-ish`, with `<-` and the previous value's changed field. */
function summary(ops: readonly Op[]): string[] {
  return ops.map((op) => {
    const s = op.object.spec as unknown as Record<string, unknown>;
    const id = `${op.op} ${op.object.kind} ${String(s['name'] ?? s['ip'] ?? s['mac'] ?? s['dst'])}`;
    if (op.op === 'delete' || op.previous === undefined) return id;
    const p = op.previous.spec as unknown as Record<string, unknown>;
    return `${id} <- ${Object.keys(p)
      .filter((k) => p[k] !== s[k])
      .map((k) => `${k}=${String(p[k])}`)
      .join(',')}`;
  });
}

/** Applying the plan reaches `desired`, and planning again yields nothing. */
function converges(t: ExecutionContext, desired: KernelState, observed: KernelState, ops: Op[]): void {
  const after = applyOps(observed, ops);
  t.deepEqual(after, desired);
  t.deepEqual(plan(desired, after), []);
}

test('one remote from nothing: VTEP, then neighbor, FDB entry, route', (t) => {
  const desired = state([b]);
  const ops = plan(desired, empty);
  t.deepEqual(summary(ops), [
    'put vtep vtep1024',
    'put neighbor 44.128.0.8',
    'put fdb 70:b3:d5:80:00:08',
    'put route 9.0.7.0/24',
  ]);
  converges(t, desired, empty, ops);
});

test('a departed remote: route, FDB entry, neighbor deleted in that order; the VTEP stays', (t) => {
  const observed = state([b, c]);
  const ops = plan(state([c]), observed);
  t.deepEqual(summary(ops), [
    'delete route 9.0.7.0/24',
    'delete fdb 70:b3:d5:80:00:08',
    'delete neighbor 44.128.0.8',
  ]);
  converges(t, state([c]), observed, ops);
});

test('losing our slice tears the overlay down: entries, then bridges, then the VTEP', (t) => {
  const observed = state([b], { bridges: true });
  const ops = plan(empty, observed);
  t.deepEqual(summary(ops), [
    'delete route 9.0.7.0/24',
    'delete fdb 70:b3:d5:80:00:08',
    'delete neighbor 44.128.0.8',
    'delete bridge d-dcos',
    'delete bridge m-dcos',
    'delete vtep vtep1024',
  ]);
  converges(t, empty, observed, ops);
});

test('a remote MAC change: neighbor replaced with its previous, new FDB entry put, old one deleted', (t) => {
  const observed = state([b, c]);
  const desired = state([{ ...b, vtepMac: '70:b3:d5:00:00:42' }, c]);
  const ops = plan(desired, observed);
  t.deepEqual(summary(ops), [
    'put neighbor 44.128.0.8 <- mac=70:b3:d5:80:00:08',
    'put fdb 70:b3:d5:00:00:42',
    'delete fdb 70:b3:d5:80:00:08',
  ]);
  const after = applyOps(observed, ops);
  t.false(JSON.stringify(after).includes('70:b3:d5:80:00:08'), 'no stale neighbor or FDB entry');
  converges(t, desired, observed, ops);
});

test('a remote underlay IP change: the FDB entry alone is replaced, with its previous', (t) => {
  const observed = state([b, c]);
  const desired = state([{ ...b, underlayIp: '10.0.9.9' }, c]);
  const ops = plan(desired, observed);
  t.deepEqual(summary(ops), ['put fdb 70:b3:d5:80:00:08 <- dst=10.0.0.2']);
  converges(t, desired, observed, ops);
});

test('a slice move: route replaced in place, old neighbor and FDB entry deleted', (t) => {
  const observed = state([b]);
  const moved = entry(dcos, 'agent-b', 7, '10.0.0.2', {
    vtepIp: '44.128.0.30',
    vtepMac: '70:b3:d5:80:00:1e',
  });
  const ops = plan(state([moved]), observed);
  t.deepEqual(summary(ops), [
    'put neighbor 44.128.0.30',
    'put fdb 70:b3:d5:80:00:1e',
    'put route 9.0.7.0/24 <- gateway=44.128.0.8',
    'delete fdb 70:b3:d5:80:00:08',
    'delete neighbor 44.128.0.8',
  ]);
  converges(t, state([moved]), observed, ops);
});

test('an incompatible VTEP change is one put marked as a recreate, then every entry is put again', (t) => {
  const observed = state([b]);
  const desired = state([b], { local: { ...local, underlayIp: '10.0.0.100' } });
  const ops = plan(desired, observed);
  t.deepEqual(summary(ops), [
    'put vtep vtep1024 <- localIp=10.0.0.1',
    'put neighbor 44.128.0.8',
    'put fdb 70:b3:d5:80:00:08',
    'put route 9.0.7.0/24',
  ]);
  t.deepEqual(
    ops.map((op) => isRecreate(op)),
    [true, false, false, false],
  );
  converges(t, desired, observed, ops);
});

test('an MTU or address change is a plain put with its previous', (t) => {
  const observed = state([b], { bridges: true });
  const desired = state([b], { bridges: true, underlayMtu: 9000 });
  const ops = plan(desired, observed);
  t.deepEqual(summary(ops), [
    'put vtep vtep1024 <- mtu=1450',
    'put bridge d-dcos <- mtu=1450',
    'put bridge m-dcos <- mtu=1450',
  ]);
  t.false(ops.some(isRecreate));
  converges(t, desired, observed, ops);
  const readdressed = {
    ...observed,
    vteps: observed.vteps.map((v) => ({ ...v, address: '44.128.0.99/20' })),
  };
  const fix = plan(observed, readdressed);
  t.deepEqual(summary(fix), ['put vtep vtep1024 <- address=44.128.0.99/20']);
  t.false(isRecreate(fix[0]!));
});

test('resync of an unchanged state: no ops, whatever the order of the dump', (t) => {
  const observed = state([b, c], { bridges: true });
  const shuffled: KernelState = {
    vteps: [...observed.vteps],
    bridges: [...observed.bridges].reverse(),
    neighbors: [...observed.neighbors].reverse(),
    fdb: [...observed.fdb].reverse(),
    routes: [...observed.routes].reverse(),
  };
  t.deepEqual(plan(observed, shuffled), []);
  t.deepEqual(plan(empty, empty), []);
});

test('two overlays: removing one touches nothing of the other', (t) => {
  const blueInput = {
    overlay: blue,
    local: entry(blue, 'agent-a', 3, '10.0.0.1'),
    remotes: [entry(blue, 'agent-b', 4, '10.0.0.2')],
    underlayMtu: 1500,
    bridges: true,
  };
  const dcosInput = { overlay: dcos, local, remotes: [b, c], underlayMtu: 1500, bridges: true };
  const both = desiredState([dcosInput, blueInput]).state;
  const dcosOnly = desiredState([dcosInput]).state;
  const ops = plan(dcosOnly, both);
  t.true(ops.length > 0);
  t.true(
    ops.every(
      (op) => op.op === 'delete' && JSON.stringify(op.object).match(/vtep1025|blue|172\.16\./) !== null,
    ),
    JSON.stringify(ops),
  );
  converges(t, dcosOnly, both, ops);
  const bluePeerGone = desiredState([dcosInput, { ...blueInput, remotes: [] }]).state;
  t.deepEqual(summary(plan(bluePeerGone, both)), [
    'delete route 172.16.4.0/24',
    'delete fdb 70:b3:d5:81:00:05',
    'delete neighbor 44.129.0.5',
  ]);
});

test('a bridge squatting on the VTEP name: links share one namespace, so the VTEP put recreates it', (t) => {
  const desired = state([b]);
  const squat = { name: 'vtep1024', address: '9.0.5.1/25', mtu: 1500 };
  const observed: KernelState = { ...desired, vteps: [], bridges: [squat] };
  const ops = plan(desired, observed);
  t.deepEqual(summary(ops), [
    'put vtep vtep1024 <- address=9.0.5.1/25,mtu=1500',
    'put neighbor 44.128.0.8',
    'put fdb 70:b3:d5:80:00:08',
    'put route 9.0.7.0/24',
  ]);
  t.like(ops[0], { previous: { kind: 'bridge', spec: squat } });
  t.true(isRecreate(ops[0]!));
  converges(t, desired, observed, ops);
});
