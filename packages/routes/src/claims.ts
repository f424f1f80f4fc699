import type { Instant } from '@trellis/runtime';
import type { Liveness } from '@trellis/store';
import { routeStates, type RouteWire } from './route-record.js';

/**
 * Does `r` hold its slice? Yes when its owner is us, alive, suspect, or dead for less than
 * `reclaimMs` (a host that reboots gets its slice back). No when it is withdrawn, its owner
 * departed or has been dead past `reclaimMs`, or its owner is not a member: anyone can send
 * records under names nobody runs (one join request of phantoms filled every slice of an
 * overlay), and a record whose owner's member record was collected is long gone. Routes can
 * arrive before members in a boot storm; a newcomer only claims once its join brought both, and
 * a claim on a slice whose holder's member record was late loses to it once it arrives (a
 * settled or earlier claim wins) before it settles.
 */
export function occupies(
  r: RouteWire,
  selfId: string,
  live: Liveness,
  now: Instant,
  reclaimMs: number,
): boolean {
  if (r.st === routeStates.withdrawn) return false;
  if (r.w === selfId) return true;
  const status = live.member(r.w)?.status;
  if (status === undefined || status === 'left') return false;
  if (status === 'alive' || status === 'suspect') return true;
  return now - (live.since(r.w) ?? now) < reclaimMs;
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

/** The winning claim of each slice among the records that occupy one (see `occupies`). */
export function holders(
  records: Iterable<RouteWire>,
  occupiesSlice: (r: RouteWire) => boolean,
): Map<number, RouteWire> {
  const out = new Map<number, RouteWire>();
  for (const r of records) {
    if (!occupiesSlice(r)) continue;
    const h = out.get(r.s);
    if (h === undefined || beats(r, h)) out.set(r.s, r);
  }
  return out;
}
