import type { Instant } from '@trellis/runtime';
import type { Liveness } from '@trellis/store';
import { routeStates, type RouteWire } from './route-record.js';

/**
 * How firmly `r` holds its slice: `known` when its owner is us, alive, suspect, or dead for less
 * than `reclaimMs` (a host that reboots gets its slice back); `unknown` when we have not heard
 * of its owner (yet: routes can arrive before members in a boot storm, or no longer: its member
 * record was collected); `undefined` when it holds nothing (withdrawn, owner departed, or dead
 * past `reclaimMs`).
 */
export type Occupancy = 'known' | 'unknown' | undefined;

export function occupancy(
  r: RouteWire,
  selfId: string,
  live: Liveness,
  now: Instant,
  reclaimMs: number,
): Occupancy {
  if (r.st === routeStates.withdrawn) return undefined;
  if (r.w === selfId) return 'known';
  const status = live.member(r.w)?.status;
  if (status === undefined) return 'unknown';
  if (status === 'alive' || status === 'suspect') return 'known';
  if (status === 'left') return undefined;
  return now - (live.since(r.w) ?? now) < reclaimMs ? 'known' : undefined;
}

/**
 * The one rule every node applies alike to two live claims on one slice: a settled claim beats
 * one still settling (an agent in use is never displaced by a newcomer whose clock runs
 * behind); then the earlier claim; then the smaller owner id.
 */
export function beats(a: RouteWire, b: RouteWire): boolean {
  const sa = a.st === routeStates.settled ? 0 : 1;
  const sb = b.st === routeStates.settled ? 0 : 1;
  if (sa !== sb) return sa < sb;
  if (a.c !== b.c) return a.c < b.c;
  return a.w < b.w;
}

/**
 * The winning claim of each slice among the records that occupy one. A claim whose owner we
 * know always beats one whose owner we do not: an owner long gone (its member record collected)
 * must never take a slice back from a live agent, whatever its claim time. Unknown owners still
 * occupy slices nobody known holds, so a newcomer does not pick a slice that is in use by an
 * agent whose member record is still on its way.
 */
export function holders(
  records: Iterable<RouteWire>,
  occupancyOf: (r: RouteWire) => Occupancy,
): Map<number, RouteWire> {
  const out = new Map<number, RouteWire>();
  /** Slices whose current holder's owner is unknown: any known claim takes them over. */
  const doubtful = new Set<number>();
  for (const r of records) {
    const o = occupancyOf(r);
    if (o === undefined) continue;
    const h = out.get(r.s);
    const known = o === 'known';
    const heldKnown = h !== undefined && !doubtful.has(r.s);
    if (h !== undefined && !(known && !heldKnown) && !(known === heldKnown && beats(r, h))) continue;
    out.set(r.s, r);
    if (known) doubtful.delete(r.s);
    else doubtful.add(r.s);
  }
  return out;
}
