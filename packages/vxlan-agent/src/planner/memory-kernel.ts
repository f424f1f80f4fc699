import { InvalidStateError } from '@trellis/runtime';
import type { KernelObject, KernelState, Op } from '../kernel-model.js';
import { deviceOf, identityKey, linkKey, objectsOf, stateOf } from './kernel-identity.js';
import { requiresRecreate } from './plan.js';

/**
 * Applies `ops` to `state` as the executor and the kernel together would, and returns the new
 * state with every list sorted by identity key (`canonicalState` order):
 *
 * - `put` creates or replaces the object with the same identity key (`identityKey`).
 * - `put` of a link that `requiresRecreate` against the existing one (a VTEP with another VNI,
 *   port, local IP or MAC; a link of the other kind under the same name) is a delete and create:
 *   everything on the old link is gone afterwards.
 * - `put` of a neighbor, FDB entry or route on a device that does not exist throws
 *   `InvalidStateError`, as the kernel answers ENODEV: plans must create links first.
 * - `delete` removes the object with the same identity key, whatever its other fields; a missing
 *   object is a no-op. Deleting a link also removes every entry on it, as the kernel does.
 *
 * `state` is not modified. The input state itself is not validated: a garbled dump with entries
 * on missing devices is kept as given.
 */
export function applyOps(state: KernelState, ops: readonly Op[]): KernelState {
  const objects = new Map(objectsOf(state).map((o) => [identityKey(o), o]));
  for (const op of ops) {
    const key = identityKey(op.object);
    if (op.op === 'delete') {
      const existing = objects.get(key);
      if (existing?.kind === 'vtep' || existing?.kind === 'bridge') flushDevice(objects, existing.spec.name);
      objects.delete(key);
      continue;
    }
    const next = op.object;
    if (next.kind === 'vtep' || next.kind === 'bridge') {
      const existing = objects.get(key);
      if (existing !== undefined && requiresRecreate(next, existing)) flushDevice(objects, next.spec.name);
    } else if (!objects.has(linkKey(next.spec.dev))) {
      throw new InvalidStateError(`memory kernel: cannot put ${key}: no device ${next.spec.dev} (ENODEV)`);
    }
    objects.set(key, next);
  }
  return stateOf(objects.values());
}

function flushDevice(objects: Map<string, KernelObject>, dev: string): void {
  for (const [key, object] of objects) {
    if (deviceOf(object) === dev) objects.delete(key);
  }
}
