import type { Overlay } from './overlay.js';
import type { RouteWire } from './route-record.js';

/** One remote agent's route on one overlay, as the converged table and the kernel agent see it. */
export interface RouteEntry {
  readonly overlay: string;
  readonly owner: string;
  readonly generation: number;
  readonly version: number;
  readonly slice: number;
  readonly underlayIp: string;
  readonly vtepIp: string;
  readonly vtepMac: string;
  readonly agentSubnet: string;
  readonly mesosSubnet: string;
  readonly dockerSubnet: string;
  readonly agentSubnet6?: string;
  readonly mesosSubnet6?: string;
  readonly dockerSubnet6?: string;
}

/** The full entry for a record, its subnets computed from the overlay and slice index. */
export function toRouteEntry(overlay: Overlay, r: RouteWire): RouteEntry {
  const s = overlay.slice(r.s);
  return Object.freeze({
    overlay: r.o,
    owner: r.w,
    generation: r.g,
    version: r.v,
    slice: r.s,
    underlayIp: r.u,
    vtepIp: r.vi,
    vtepMac: r.vm,
    agentSubnet: s.agentSubnet,
    mesosSubnet: s.mesosSubnet,
    dockerSubnet: s.dockerSubnet,
    ...(s.agentSubnet6 === undefined ? {} : { agentSubnet6: s.agentSubnet6 }),
    ...(s.mesosSubnet6 === undefined ? {} : { mesosSubnet6: s.mesosSubnet6 }),
    ...(s.dockerSubnet6 === undefined ? {} : { dockerSubnet6: s.dockerSubnet6 }),
  });
}

/** Same route for the kernel: everything but the version counters. */
export function sameRoute(a: RouteEntry, b: RouteEntry): boolean {
  return (
    a.slice === b.slice && a.underlayIp === b.underlayIp && a.vtepIp === b.vtepIp && a.vtepMac === b.vtepMac
  );
}
