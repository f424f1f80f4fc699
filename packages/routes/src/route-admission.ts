import ipaddr from 'ipaddr.js';
import { InvalidArgumentError, describe } from '@trellis/runtime';
import type { Overlay } from './overlay.js';
import { routeStates, type RouteWire } from './route-record.js';
import type { PublishOptions } from './slice-claims.js';

/** Underlay ranges no VXLAN packet to another host can be sent to. */
const notUnicast = new Set(['unspecified', 'broadcast', 'multicast']);

/**
 * Why a peer's live route record is refused for what it says, if it is: its underlay must be a
 * unicast address (loopback only where every agent runs on one host: `loopbackUnderlay`), its
 * VTEP MAC unicast, and on an overlay we route, its VTEP IP one of the overlay's VTEP
 * addresses. Anything else would make us program the kernel to send an agent's traffic
 * somewhere it cannot be, or answer ARP for a multicast MAC. A withdrawn record routes nothing.
 */
export function routeAddressRefusal(
  r: RouteWire,
  overlay: Overlay | undefined,
  loopbackUnderlay: boolean,
): 'invalidAddress' | undefined {
  if (r.st === routeStates.withdrawn) return undefined;
  if (!isUnicastUnderlay(r.u, loopbackUnderlay) || !isUnicastMac(r.vm)) return 'invalidAddress';
  if (overlay !== undefined && !overlay.hasVtepIp(r.vi)) return 'invalidAddress';
  return undefined;
}

/** Is `ip` (IPv4, already checked dotted quad) an underlay VXLAN packets can be sent to? */
export function isUnicastUnderlay(ip: string, loopbackOk: boolean): boolean {
  if (!ipaddr.IPv4.isValidFourPartDecimal(ip)) return false;
  const range = ipaddr.IPv4.parse(ip).range();
  return !notUnicast.has(range) && (loopbackOk || range !== 'loopback');
}

/** Is `ip` an IPv4 loopback address (127.0.0.0/8)? */
export function isLoopbackIp(ip: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(ip) && ipaddr.IPv4.parse(ip).range() === 'loopback';
}

/** Is `mac` (`aa:bb:cc:dd:ee:ff`) an individual address: its group bit clear, and not zero? */
export function isUnicastMac(mac: string): boolean {
  const first = Number.parseInt(mac.slice(0, 2), 16);
  return Number.isInteger(first) && (first & 1) === 0 && mac !== '00:00:00:00:00:00';
}

const macShape = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/**
 * Checks what we are about to publish on `overlay` by the rules peers apply (a loopback underlay
 * is ours to use: peers take it only with `loopbackUnderlay`). Throws `InvalidArgumentError`
 * listing every problem; nothing is published then.
 */
export function checkPublishOptions(overlay: Overlay, opts: PublishOptions): void {
  const problems: string[] = [];
  if (typeof opts.underlayIp !== 'string' || !isUnicastUnderlay(opts.underlayIp, true))
    problems.push(`underlayIp must be a unicast IPv4 address, got ${describe(opts.underlayIp)}`);
  if (opts.vtepIp !== undefined && (typeof opts.vtepIp !== 'string' || !overlay.hasVtepIp(opts.vtepIp)))
    problems.push(`vtepIp must be an address of ${overlay.vtepSubnet}, got ${describe(opts.vtepIp)}`);
  if (
    opts.vtepMac !== undefined &&
    (typeof opts.vtepMac !== 'string' || !macShape.test(opts.vtepMac) || !isUnicastMac(opts.vtepMac))
  )
    problems.push(`vtepMac must be a lowercase unicast MAC, got ${describe(opts.vtepMac)}`);
  if (problems.length > 0)
    throw new InvalidArgumentError(`publish on ${overlay.name}: ${problems.join('; ')}`);
}
