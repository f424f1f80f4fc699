import ipaddr from 'ipaddr.js';
import { InvalidArgumentError } from '@trellis/runtime';

/**
 * The VTEP MAC DC/OS derives from the VTEP IP: OUI 70:b3:d5 plus the IP's low 24 bits, so a
 * restarted agent gets the same MAC back (a changed MAC broke DC/OS traffic). On an IPv6-only
 * overlay the record's VTEP IP is an IPv6 address, and its low 24 bits serve the same way: VTEP
 * addresses are the VTEP subnet's network + slice index + 1, so they differ in their low bits.
 */
export function vtepMac(vtepIp: string): string {
  let low: number[];
  if (ipaddr.IPv4.isValidFourPartDecimal(vtepIp)) {
    low = ipaddr.IPv4.parse(vtepIp).toByteArray().slice(1);
  } else if (ipaddr.IPv6.isValid(vtepIp) && !vtepIp.includes('%')) {
    low = ipaddr.IPv6.parse(vtepIp).toByteArray().slice(13);
  } else {
    throw new InvalidArgumentError(`VTEP IP must be an IPv4 or IPv6 address, got ${JSON.stringify(vtepIp)}`);
  }
  return ['70', 'b3', 'd5', ...low.map((b) => b.toString(16).padStart(2, '0'))].join(':');
}
