import test from 'ava';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import { defaultOverlayInput, parseOverlay, vtepMac, type Overlay, type RouteEntry } from '@trellis/routes';
import type { KernelObject, KernelState, Op } from '../src/kernel-model.js';
import { desiredState, type OverlayPlanInput } from '../src/planner/desired-state.js';
import {
  canonicalState,
  identityKey,
  objectsOf,
  sameObject,
  stateOf,
} from '../src/planner/kernel-identity.js';
import { applyOps } from '../src/planner/memory-kernel.js';
import { plan } from '../src/planner/plan.js';

// Quick by default, extensive with TRELLIS_EXTENSIVE=1; fast-check prints the seed of a failure,
// replay it with SEED=n.
const numRuns = process.env['TRELLIS_EXTENSIVE'] === '1' ? 20_000 : 300;
const seed = process.env['SEED'] === undefined ? 4242 : Number.parseInt(process.env['SEED'], 10);
const params = { numRuns, seed };

const dcos = parseOverlay(defaultOverlayInput);
// Dual-stack: its remotes get IPv6 neighbors and routes, its links IPv6 addresses.
const blue = parseOverlay({
  name: 'blue',
  subnet: '172.16.0.0/16',
  vni: 1025,
  vtepSubnet: '44.129.0.0/20',
  subnet6: 'fd01:b::/64',
  vtepSubnet6: 'fd01:a::/64',
});

// Small pools, so that remotes collide, MACs repeat and old and new worlds overlap.
const owners = ['agent-a', 'agent-b', 'agent-c', 'agent-d', 'agent-e', 'agent-f'];
// Mostly IPv4 with some IPv6 underlays, so that remotes of the other family than ours occur.
const underlays = ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', 'fd00::1', 'fd00::2'];
const underlayOf = (n: number): string => underlays[n % underlays.length]!;
const macs = ['70:b3:d5:00:00:01', '70:b3:d5:00:00:02', '70:b3:d5:80:00:03'];
const devs = ['vtep1024', 'vtep1025', 'vtep9', 'm-dcos', 'd-blue'];
const strings = [
  ...underlays,
  ...macs,
  ...devs,
  '44.128.0.3',
  '44.129.0.2',
  '9.0.3.0/24',
  '44.128.0.3/20',
  'fd01:a::3',
  'fd01:a::3/64',
  'fd01:b:0:0:3::/80',
  'fd01:b:0:0:3::1/81',
];
const sliceMax = 9;

function arbRemote(overlay: Overlay): fc.Arbitrary<RouteEntry> {
  return fc
    .record({
      owner: fc.constantFrom(...owners),
      slice: fc.integer({ min: 0, max: sliceMax }),
      // IPv4 four times in five: the IPv6 ones collide less, and every family pairing occurs.
      underlayIp: fc.oneof(
        { weight: 4, arbitrary: fc.constantFrom(...underlays.slice(0, 4)) },
        { weight: 1, arbitrary: fc.nat().map((n) => underlayOf(4 + (n % 2))) },
      ),
      vtepSlice: fc.option(fc.integer({ min: 0, max: sliceMax }), { freq: 4 }),
      mac: fc.option(fc.constantFrom(...macs), { freq: 4 }),
    })
    .map(({ owner, slice, underlayIp, vtepSlice, mac }) => {
      const { index: _index, ...subnets } = overlay.slice(slice);
      const vtepIp = overlay.vtepIp(vtepSlice ?? slice);
      const base = { ...subnets, overlay: overlay.name, owner, generation: 1, version: 1, slice };
      const vtepIp6 = overlay.vtepIp6(slice);
      const v6 = vtepIp6 === undefined ? {} : { vtepIp6 };
      return { ...base, ...v6, underlayIp, vtepIp, vtepMac: mac ?? vtepMac(vtepIp) };
    });
}

function arbInput(overlay: Overlay): fc.Arbitrary<OverlayPlanInput> {
  return fc.record({
    overlay: fc.constant(overlay),
    local: fc.option(arbRemote(overlay), { freq: 6 }).map((l) => l ?? undefined),
    remotes: fc.array(arbRemote(overlay), { maxLength: 8 }),
    underlayMtu: fc.constantFrom(1500, 1400, 9000),
    underlayIpv6: fc.boolean(),
    bridges: fc.boolean(),
  });
}

const arbWorld: fc.Arbitrary<OverlayPlanInput[]> = fc
  .tuple(fc.option(arbInput(dcos), { freq: 5 }), fc.option(arbInput(blue), { freq: 3 }))
  .map((inputs) => inputs.filter((i) => i !== null));

const arbString = fc.constantFrom(...strings);
/** Objects a tampered or stale kernel may hold: anything on our devices and a few others. */
const arbStray: fc.Arbitrary<KernelObject> = fc.oneof(
  fc
    .record({ name: fc.constantFrom('vtep1024', 'vtep1025', 'vtep9'), vni: fc.constantFrom(1024, 1025, 9) })
    .chain(({ name, vni }) =>
      fc.record({
        name: fc.constant(name),
        vni: fc.constant(vni),
        port: fc.constantFrom(64000, 4789),
        localIp: fc.constantFrom(...underlays),
        mtu: fc.constantFrom(1450, 1430),
        mac: fc.constantFrom(...macs),
        address: arbString,
        address6: fc.option(arbString, { nil: undefined }),
      }),
    )
    .map(({ address6, ...rest }) => ({ ...rest, ...(address6 === undefined ? {} : { address6 }) }))
    .map((spec) => ({ kind: 'vtep', spec }) as const),
  fc
    .record({
      name: fc.constantFrom('m-dcos', 'd-dcos', 'm-blue', 'd-old'),
      address: arbString,
      address6: fc.option(arbString, { nil: undefined }),
      mtu: fc.nat(9000),
    })
    .map(({ address6, ...rest }) => ({ ...rest, ...(address6 === undefined ? {} : { address6 }) }))
    .map((spec) => ({ kind: 'bridge', spec }) as const),
  fc
    .record({ dev: fc.constantFrom(...devs), ip: arbString, mac: fc.constantFrom(...macs) })
    .map((spec) => ({ kind: 'neighbor', spec }) as const),
  fc
    .record({ dev: fc.constantFrom(...devs), mac: fc.constantFrom(...macs), dst: arbString })
    .map((spec) => ({ kind: 'fdb', spec }) as const),
  fc
    .record({ dst: arbString, gateway: arbString, dev: fc.constantFrom(...devs) })
    .map((spec) => ({ kind: 'route', spec }) as const),
);

interface Edit {
  at: number;
  drop: boolean;
  field: number;
  text: string;
  number: number;
}

/** One edit of a dump: drop an object, or set one of its fields to something else. */
const arbEdit = fc.record({
  at: fc.nat(),
  drop: fc.boolean(),
  field: fc.nat(),
  text: arbString,
  number: fc.constantFrom(0, 7, 1024, 1450, 64000),
});

function garble(base: KernelState, edits: readonly Edit[], strays: readonly KernelObject[]): KernelState {
  const objects = objectsOf(base);
  for (const edit of edits) {
    if (objects.length === 0) break;
    const i = edit.at % objects.length;
    const object = objects[i]!;
    if (edit.drop) {
      objects.splice(i, 1);
      continue;
    }
    const spec = { ...object.spec } as Record<string, unknown>;
    const keys = Object.keys(spec);
    const key = keys[edit.field % keys.length]!;
    spec[key] = typeof spec[key] === 'number' ? edit.number : edit.text;
    objects[i] = { kind: object.kind, spec } as unknown as KernelObject;
  }
  // A dump holds one object per identity key.
  const byKey = new Map([...objects, ...strays].map((o) => [identityKey(o), o]));
  return stateOf(byKey.values());
}

/** A desired state, and an observed one: a stale or the same world, tampered with. */
const arbCase = fc
  .record({
    world: arbWorld,
    before: arbWorld,
    fromDesired: fc.boolean(),
    edits: fc.array(arbEdit, { maxLength: 6 }),
    strays: fc.array(arbStray, { maxLength: 4 }),
  })
  .map(({ world, before, fromDesired, edits, strays }) => {
    const desired = desiredState(world).state;
    const base = fromDesired ? desired : desiredState(before).state;
    return { desired, observed: garble(base, edits, strays) };
  });

test('applying the plan reaches the desired state, and a second plan is empty', (t) => {
  fc.assert(
    fc.property(arbCase, ({ desired, observed }) => {
      const ops = plan(desired, observed);
      const after = applyOps(observed, ops);
      return (
        JSON.stringify(after) === JSON.stringify(canonicalState(desired)) && plan(desired, after).length === 0
      );
    }),
    params,
  );
  t.pass();
});

test('a plan touches only what differs, once, and does not depend on the order of the dump', (t) => {
  fc.assert(
    fc.property(arbCase, ({ desired, observed }) => {
      const ops = plan(desired, observed);
      const have = new Map(objectsOf(observed).map((o) => [identityKey(o), o]));
      const want = new Set(objectsOf(desired).map(identityKey));
      const keys = ops.map((op) => identityKey(op.object));
      const minimal = ops.every((op) => {
        const old = have.get(identityKey(op.object));
        if (op.op === 'delete') return old !== undefined && !want.has(identityKey(op.object));
        return op.previous === undefined || (old !== undefined && sameObject(op.previous, old));
      });
      const reversed = stateOf(objectsOf(observed).reverse());
      return (
        minimal &&
        new Set(keys).size === keys.length &&
        JSON.stringify(plan(desired, reversed)) === JSON.stringify(ops)
      );
    }),
    params,
  );
  t.pass();
});

const phase = (op: Op): number =>
  op.op === 'put'
    ? ['vtep', 'bridge', 'neighbor', 'fdb', 'route'].indexOf(op.object.kind)
    : 5 + ['route', 'fdb', 'neighbor', 'bridge', 'vtep'].indexOf(op.object.kind);

/** Each remote's (neighbor, FDB entry, route) keys in a state, found from its routes. */
function remoteKeys(state: KernelState): string[][] {
  return state.routes.map((route) => {
    const neighbor = state.neighbors.find((n) => n.dev === route.dev && n.ip === route.gateway);
    const fdb = state.fdb.find((f) => f.dev === route.dev && f.mac === neighbor?.mac);
    return [
      neighbor === undefined ? '' : identityKey({ kind: 'neighbor', spec: neighbor }),
      fdb === undefined ? '' : identityKey({ kind: 'fdb', spec: fdb }),
      identityKey({ kind: 'route', spec: route }),
    ];
  });
}

/** The positions of the ops on `keys`, in that order, are increasing (absent ones ignored). */
function inOrder(ops: readonly Op[], kind: Op['op'], keys: string[]): boolean {
  const at = keys
    .map((key) => ops.findIndex((op) => op.op === kind && identityKey(op.object) === key))
    .filter((i) => i >= 0);
  return at.every((i, n) => n === 0 || at[n - 1]! < i);
}

test('ordering: links, then per remote neighbor -> FDB -> route puts; deletes route -> FDB -> neighbor -> links', (t) => {
  fc.assert(
    fc.property(arbCase, ({ desired, observed }) => {
      const ops = plan(desired, observed);
      const phases = ops.map(phase);
      return (
        phases.every((p, i) => i === 0 || phases[i - 1]! <= p) &&
        remoteKeys(desired).every((keys) => inOrder(ops, 'put', keys)) &&
        remoteKeys(observed).every((keys) => inOrder(ops, 'delete', [...keys].reverse()))
      );
    }),
    params,
  );
  t.pass();
});

test('desired state: one object per identity, nothing of ours as a remote, independent of table order', (t) => {
  fc.assert(
    fc.property(arbWorld, (world) => {
      const { state, warnings } = desiredState(world);
      const keys = objectsOf(state).map(identityKey);
      const reversed = desiredState(world.map((i) => ({ ...i, remotes: [...i.remotes].reverse() })));
      const notOurs = world.every(({ overlay, local }) =>
        state.neighbors.every(
          (n) =>
            n.dev !== `vtep${overlay.vni}` ||
            (n.ip !== local?.vtepIp && n.ip !== local?.vtepIp6 && n.mac !== local?.vtepMac),
        ),
      );
      return (
        new Set(keys).size === keys.length &&
        notOurs &&
        JSON.stringify(reversed) === JSON.stringify({ state, warnings })
      );
    }),
    params,
  );
  t.pass();
});

const isV6 = (ip: string): boolean => ip.includes(':');

/** `address` is the network of `half` + 1, with the half's prefix (the halves' low byte is 0). */
function isFirstHost(address: string | undefined, half: string): boolean {
  const [ip, prefix] = (address ?? '').split('/');
  const [net, netPrefix] = ipaddr.parseCIDR(half);
  const want = net.toByteArray();
  want[want.length - 1]! += 1;
  return (
    ip !== undefined && Number(prefix) === netPrefix && ipaddr.parse(ip).toByteArray().join() === want.join()
  );
}

test('both families: a dual-stack overlay gives each kept remote an IPv6 neighbor and route beside its IPv4 ones; an IPv4-only one gives no IPv6 object', (t) => {
  fc.assert(
    fc.property(arbWorld, (world) => {
      const { state } = desiredState(world);
      return world.every(({ overlay, local, remotes }) => {
        const dev = `vtep${overlay.vni}`;
        const routes = state.routes.filter((r) => r.dev === dev);
        const neighbors = state.neighbors.filter((n) => n.dev === dev);
        const vtep = state.vteps.find((v) => v.name === dev);
        const bridges = state.bridges.filter((b) => b.name.endsWith(`-${overlay.name}`));
        if (local === undefined) return vtep === undefined && routes.length === 0;
        if (overlay.vtepSubnet6 === undefined) {
          return (
            vtep?.address6 === undefined &&
            bridges.every((b) => b.address6 === undefined) &&
            routes.every((r) => !isV6(r.dst)) &&
            neighbors.every((n) => !isV6(n.ip))
          );
        }
        const twins = routes
          .filter((r) => !isV6(r.dst))
          .every((r4) => {
            const remote = remotes.find((x) => x.agentSubnet === r4.dst && x.vtepIp === r4.gateway)!;
            const mac = neighbors.find((n) => n.ip === r4.gateway)?.mac;
            return (
              routes.some((r) => r.dst === remote.agentSubnet6 && r.gateway === remote.vtepIp6) &&
              neighbors.some((n) => n.ip === remote.vtepIp6 && n.mac === mac)
            );
          });
        const sameFamily = state.fdb
          .filter((f) => f.dev === dev)
          .every((f) => isV6(f.dst) === isV6(local.underlayIp));
        return (
          twins &&
          sameFamily &&
          routes.length === 2 * routes.filter((r) => !isV6(r.dst)).length &&
          vtep?.address6 === `${local.vtepIp6!}/64` &&
          bridges.every((b) =>
            isFirstHost(b.address6, b.name.startsWith('m-') ? local.mesosSubnet6! : local.dockerSubnet6!),
          )
        );
      });
    }),
    params,
  );
  t.pass();
});
