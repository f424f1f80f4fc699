import type { Instant } from '@trellis/runtime';
import type { MemberStatus } from '@trellis/membership';
import { routeStates, type RouteWire } from './route-record.js';

/** What the route store needs to know about owners from the membership layer. */
export interface Liveness {
  status(owner: string): MemberStatus | undefined;
  /** Local time of the owner's last status change. */
  since(owner: string): Instant | undefined;
  /** The owner's gossip address, to tell it directly that its claim lost. */
  addr(owner: string): string | undefined;
}

/**
 * Does `r` still occupy its slice? Withdrawn claims and departed owners free it at once; a
 * dead owner's slice stays taken for `reclaimMs` (a host that reboots gets it back); an owner
 * we have not heard of yet is given the benefit of the doubt.
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
  const status = live.status(r.w);
  if (status === undefined || status === 'alive' || status === 'suspect') return true;
  if (status === 'left') return false;
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

/** The winning claim of each slice among the records that occupy one. */
export function holders(
  records: Iterable<RouteWire>,
  counts: (r: RouteWire) => boolean,
): Map<number, RouteWire> {
  const out = new Map<number, RouteWire>();
  for (const r of records) {
    if (!counts(r)) continue;
    const h = out.get(r.s);
    if (h === undefined || beats(r, h)) out.set(r.s, r);
  }
  return out;
}

/** Is a route of this owner part of the converged table (owner up, or dead within grace)? */
export function routable(r: RouteWire, live: Liveness, now: Instant, graceMs: number): boolean {
  if (r.st !== routeStates.settled) return false;
  const status = live.status(r.w);
  if (status === 'alive' || status === 'suspect') return true;
  if (status === 'dead') return now - (live.since(r.w) ?? now) < graceMs;
  return false;
}
