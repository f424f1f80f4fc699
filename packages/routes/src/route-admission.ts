import ipaddr from 'ipaddr.js';
import { InvalidArgumentError, describe } from '@trellis/runtime';
import type { Overlay } from './overlay.js';
import { routeStates, type RouteWire } from './route-record.js';
import type { PublishOptions } from './slice-claims.js';

/** Underlay ranges no VXLAN packet to another host can be sent to. */
const notUnicast = new Set(['unspecified', 'broadcast', 'multicast']);
/**
 * IPv6 ones, besides those: link-local (fe80::/10) needs a scope (an interface) that a route
 * record cannot carry, and an IPv4-mapped address is an IPv4 underlay in disguise (two texts
 * for one host).
 */
const notUnicast6 = new Set(['unspecified', 'multicast', 'linkLocal', 'ipv4Mapped']);

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

/** Is `ip` (dotted quad or IPv6 text) an underlay VXLAN packets can be sent to? */
export function isUnicastUnderlay(ip: string, loopbackOk: boolean): boolean {
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) {
    const range = ipaddr.IPv4.parse(ip).range();
    return !notUnicast.has(range) && (loopbackOk || range !== 'loopback');
  }
  if (!ipaddr.IPv6.isValid(ip) || ip.includes('%')) return false;
  const range = ipaddr.IPv6.parse(ip).range();
  return !notUnicast6.has(range) && (loopbackOk || range !== 'loopback');
}

/** Is `ip` a loopback address (127.0.0.0/8 or ::1)? */
export function isLoopbackIp(ip: string): boolean {
  if (ipaddr.IPv4.isValidFourPartDecimal(ip)) return ipaddr.IPv4.parse(ip).range() === 'loopback';
  return ipaddr.IPv6.isValid(ip) && !ip.includes('%') && ipaddr.IPv6.parse(ip).range() === 'loopback';
}

/** Is `mac` (`aa:bb:cc:dd:ee:ff`) an individual address: its group bit clear, and not zero? */
export function isUnicastMac(mac: string): boolean {
  const first = Number.parseInt(mac.slice(0, 2), 16);
  return Number.isInteger(first) && (first & 1) === 0 && mac !== '00:00:00:00:00:00';
}

const isCanonicalIpv6 = (ip: string): boolean => ipaddr.IPv6.parse(ip).toRFC5952String() === ip;

const macShape = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;

/**
 * Checks what we are about to publish on `overlay` by the rules peers apply (a loopback underlay
 * is ours to use: peers take it only with `loopbackUnderlay`). Throws `InvalidArgumentError`
 * listing every problem; nothing is published then.
 */
export function checkPublishOptions(overlay: Overlay, opts: PublishOptions): void {
  const problems: string[] = [];
  if (typeof opts.underlayIp !== 'string' || !isUnicastUnderlay(opts.underlayIp, true))
    problems.push(`underlayIp must be a unicast IPv4 or IPv6 address, got ${describe(opts.underlayIp)}`);
  else if (ipaddr.IPv6.isValid(opts.underlayIp) && !isCanonicalIpv6(opts.underlayIp))
    problems.push(
      `underlayIp must be IPv6 in RFC 5952 form (${ipaddr.IPv6.parse(opts.underlayIp).toRFC5952String()}), got ${describe(opts.underlayIp)}`,
    );
  if (opts.vtepIp !== undefined && (typeof opts.vtepIp !== 'string' || !overlay.hasVtepIp(opts.vtepIp)))
    problems.push(
      `vtepIp must be an address of ${String(overlay.vtepSubnet ?? overlay.vtepSubnet6)}, got ${describe(opts.vtepIp)}`,
    );
  if (
    opts.vtepMac !== undefined &&
    (typeof opts.vtepMac !== 'string' || !macShape.test(opts.vtepMac) || !isUnicastMac(opts.vtepMac))
  )
    problems.push(`vtepMac must be a lowercase unicast MAC, got ${describe(opts.vtepMac)}`);
  if (problems.length > 0)
    throw new InvalidArgumentError(`publish on ${overlay.name}: ${problems.join('; ')}`);
}
