import type { Overlay, Slice } from './overlay.js';
import type { RouteWire } from './route-record.js';

/**
 * One remote agent's route on one overlay, as the converged table and the kernel agent see it:
 * the record's fields plus what its slice implies: the subnets (agent, Mesos and Docker halves,
 * IPv6 too) and, on a dual-stack overlay, the VTEP IPv6.
 */
export interface RouteEntry extends Omit<Slice, 'index'> {
  readonly overlay: string;
  readonly owner: string;
  readonly generation: number;
  readonly version: number;
  readonly slice: number;
  readonly underlayIp: string;
  /** The VTEP IPv4: the record's `vi` on an overlay with IPv4; absent on an IPv6-only overlay. */
  readonly vtepIp?: string;
  readonly vtepMac: string;
  /**
   * The VTEP IPv6: derived from the slice (`Overlay.vtepIp6`, not on the wire) on a dual-stack
   * overlay; the record's `vi` on an IPv6-only one.
   */
  readonly vtepIp6?: string;
}

/** The full entry for a record, its subnets computed from the overlay and slice index. */
export function toRouteEntry(overlay: Overlay, r: RouteWire): RouteEntry {
  const { index: _index, ...subnets } = overlay.slice(r.s);
  const v4 = overlay.subnet !== undefined;
  const vtepIp6 = v4 ? overlay.vtepIp6(r.s) : r.vi;
  return Object.freeze({
    ...(vtepIp6 === undefined ? {} : { vtepIp6 }),
    ...(v4 ? { vtepIp: r.vi } : {}),
    ...subnets,
    overlay: r.o,
    owner: r.w,
    generation: r.g,
    version: r.v,
    slice: r.s,
    underlayIp: r.u,
    vtepMac: r.vm,
  });
}

/** Same route for the kernel: everything but the version counters. */
export function sameRoute(a: RouteEntry, b: RouteEntry): boolean {
  return (
    a.slice === b.slice &&
    a.underlayIp === b.underlayIp &&
    a.vtepIp === b.vtepIp &&
    a.vtepIp6 === b.vtepIp6 &&
    a.vtepMac === b.vtepMac
  );
}
