import type { KernelObject, KernelState, Op } from '../kernel-model.js';
import { byIdentity, deviceOf, identityKey, kernelKinds, objectsOf, sameObject } from './kernel-identity.js';

/**
 * True when the link `previous` cannot become `next` in place, so the executor deletes it and
 * creates `next`, which also flushes every neighbor, FDB entry and route on it: a VTEP whose VNI,
 * port or local IP changed (the kernel rejects those changes on a VXLAN link) or whose MAC did
 * (it is set only in the creating request: DC/OS broke traffic by letting it drift), and a link
 * of the other kind under the same name (VTEPs and bridges share the link namespace). Never true
 * for entries, which the kernel replaces in place.
 */
export function requiresRecreate(next: KernelObject, previous: KernelObject): boolean {
  if (next.kind === 'vtep' && previous.kind === 'vtep') {
    const [a, b] = [next.spec, previous.spec];
    return a.vni !== b.vni || a.port !== b.port || a.localIp !== b.localIp || a.mac !== b.mac;
  }
  return next.kind !== previous.kind;
}

/** True for a put of a link that the executor must delete and create rather than change. */
export function isRecreate(op: Op): boolean {
  return op.op === 'put' && op.previous !== undefined && requiresRecreate(op.object, op.previous);
}

const deleteOrder: readonly KernelObject['kind'][] = [...kernelKinds].reverse();

/**
 * The operations that turn `observed` (a dump of the objects we own: one per identity key) into
 * `desired`, touching only what differs; equal states give `[]`.
 *
 * Order, kind by kind: puts of VTEPs, bridges, neighbors, FDB entries, routes (so each remote's
 * neighbor precedes its FDB entry precedes its route, and the kernel never ARPs for an on-link
 * gateway), then deletes of routes, FDB entries, neighbors, bridges, VTEPs. Puts come before
 * deletes: every replacement is make-before-break, and no put can collide with a pending delete
 * because objects with one identity key are replaced, not duplicated. Within a kind, ops are
 * sorted by identity key, so a plan is deterministic.
 *
 * A put that replaces an observed object of the same identity with different fields carries it
 * as `previous`: a neighbor's old MAC, an FDB entry's old underlay IP, a route's old gateway, a
 * link's old address (the executor removes that address) or, for a VTEP that `requiresRecreate`,
 * the link the executor must delete first (`isRecreate`). `previous` always has the put's own identity, so an
 * executor must never delete it after the put. An FDB entry for a MAC no longer wanted has a
 * different identity from its successor: it is a delete of its own.
 */
export function plan(desired: KernelState, observed: KernelState): Op[] {
  const want = keyed(objectsOf(desired));
  const have = keyed(objectsOf(observed));

  // A recreated link comes back empty: what lived on it is gone, so re-put what is wanted and
  // do not delete what the kernel already flushed.
  const recreated = new Set<string>();
  for (const [key, next] of want) {
    const previous = have.get(key);
    if (
      (next.kind === 'vtep' || next.kind === 'bridge') &&
      previous !== undefined &&
      requiresRecreate(next, previous)
    ) {
      recreated.add(next.spec.name);
    }
  }
  if (recreated.size > 0) {
    for (const [key, object] of have) {
      const dev = deviceOf(object);
      if (dev !== undefined && recreated.has(dev)) have.delete(key);
    }
  }

  const ops: Op[] = [];
  for (const kind of kernelKinds) {
    for (const object of sortedOfKind(want, kind)) {
      const previous = have.get(identityKey(object));
      if (previous === undefined) ops.push({ op: 'put', object });
      else if (!sameObject(object, previous)) ops.push({ op: 'put', object, previous });
    }
  }
  for (const kind of deleteOrder) {
    for (const object of sortedOfKind(have, kind)) {
      if (!want.has(identityKey(object))) ops.push({ op: 'delete', object });
    }
  }
  return ops;
}

function keyed(objects: readonly KernelObject[]): Map<string, KernelObject> {
  return new Map(objects.map((o) => [identityKey(o), o]));
}

function sortedOfKind(objects: Map<string, KernelObject>, kind: KernelObject['kind']): KernelObject[] {
  return [...objects.values()].filter((o) => o.kind === kind).sort(byIdentity);
}
