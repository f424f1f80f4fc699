import type { KernelObject, KernelState } from '../kernel-model.js';

export type KernelKind = KernelObject['kind'];

/** Creation order: links before the entries that live on them, route last of a remote's three. */
export const kernelKinds: readonly KernelKind[] = Object.freeze([
  'vtep',
  'bridge',
  'neighbor',
  'fdb',
  'route',
]);

/**
 * The key the kernel replaces and deletes by: links (VTEP or bridge) by name, neighbors by (dev, ip), FDB entries
 * by (dev, mac), routes by destination alone (one route of ours per destination). Two objects
 * with one key cannot coexist; a put of one replaces the other.
 */
export function identityKey(object: KernelObject): string {
  switch (object.kind) {
    case 'vtep':
    case 'bridge':
      return linkKey(object.spec.name);
    case 'neighbor':
      return `neighbor ${object.spec.dev} ${object.spec.ip}`;
    case 'fdb':
      return `fdb ${object.spec.dev} ${object.spec.mac}`;
    case 'route':
      return `route ${object.spec.dst}`;
  }
}

/** The identity key of the link called `name`: VTEPs and bridges share the kernel's link names. */
export function linkKey(name: string): string {
  return `link ${name}`;
}

/** The device an entry lives on; undefined for links. Deleting that device deletes the entry. */
export function deviceOf(object: KernelObject): string | undefined {
  return object.kind === 'vtep' || object.kind === 'bridge' ? undefined : object.spec.dev;
}

/** Field-by-field equality of two objects of one kind (the specs are flat). */
export function sameObject(a: KernelObject, b: KernelObject): boolean {
  if (a.kind !== b.kind) return false;
  const x = a.spec as unknown as Record<string, unknown>;
  const y = b.spec as unknown as Record<string, unknown>;
  const keys = Object.keys(x);
  return keys.length === Object.keys(y).length && keys.every((k) => Object.hasOwn(y, k) && x[k] === y[k]);
}

/** Every object of a state, tagged with its kind, in `kernelKinds` order. */
export function objectsOf(state: KernelState): KernelObject[] {
  return [
    ...state.vteps.map((spec) => ({ kind: 'vtep', spec }) as const),
    ...state.bridges.map((spec) => ({ kind: 'bridge', spec }) as const),
    ...state.neighbors.map((spec) => ({ kind: 'neighbor', spec }) as const),
    ...state.fdb.map((spec) => ({ kind: 'fdb', spec }) as const),
    ...state.routes.map((spec) => ({ kind: 'route', spec }) as const),
  ];
}

/** Orders objects by identity key; plain code-unit order so it is the same on every host. */
export function byIdentity(a: KernelObject, b: KernelObject): number {
  const ka = identityKey(a);
  const kb = identityKey(b);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** A state holding `objects`, each list sorted by identity key, so equal states deep-equal. */
export function stateOf(objects: Iterable<KernelObject>): KernelState {
  const sorted = [...objects].sort(byIdentity);
  const state: { [K in keyof KernelState]: KernelState[K][number][] } = {
    vteps: [],
    bridges: [],
    neighbors: [],
    fdb: [],
    routes: [],
  };
  for (const o of sorted) {
    if (o.kind === 'vtep') state.vteps.push(o.spec);
    else if (o.kind === 'bridge') state.bridges.push(o.spec);
    else if (o.kind === 'neighbor') state.neighbors.push(o.spec);
    else if (o.kind === 'fdb') state.fdb.push(o.spec);
    else state.routes.push(o.spec);
  }
  return state;
}

/** The same state with every list sorted by identity key (for comparing dumps and plans). */
export function canonicalState(state: KernelState): KernelState {
  return stateOf(objectsOf(state));
}
