import test from 'ava';
import fc from 'fast-check';
import ipaddr from 'ipaddr.js';
import type { KernelState, Op } from '../src/kernel-model.js';
import { desiredState } from '../src/planner/desired-state.js';
import {
  canonicalState,
  identityKey,
  objectsOf,
  sameObject,
  stateOf,
} from '../src/planner/kernel-identity.js';
import { applyOps } from '../src/planner/memory-kernel.js';
import { plan } from '../src/planner/plan.js';
import { arbCase, arbWorld } from './fixtures/planner-worlds.js';

// Quick by default, extensive with TRELLIS_EXTENSIVE=1; fast-check prints the seed of a failure,
// replay it with SEED=n.
const numRuns = process.env['TRELLIS_EXTENSIVE'] === '1' ? 20_000 : 300;
const seed = process.env['SEED'] === undefined ? 4242 : Number.parseInt(process.env['SEED'], 10);
const params = { numRuns, seed };

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

test('both families: a dual-stack overlay gives each kept remote an IPv6 neighbor and route beside its IPv4 ones; an IPv4-only one gives no IPv6 object, an IPv6-only one no IPv4 object', (t) => {
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
        if (overlay.subnet === undefined) {
          const fdb = state.fdb.filter((f) => f.dev === dev);
          return (
            vtep?.address === undefined &&
            vtep?.address6 === `${local.vtepIp6!}/64` &&
            bridges.every((b) => b.address === undefined && b.address6 !== undefined) &&
            routes.length === fdb.length &&
            routes.every((r) => {
              const mac = neighbors.find((n) => n.ip === r.gateway)?.mac;
              return isV6(r.dst) && isV6(r.gateway) && fdb.some((f) => f.mac === mac);
            }) &&
            neighbors.every((n) => isV6(n.ip))
          );
        }
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
