import ipaddr from 'ipaddr.js';
import type { Overlay } from '@trellis/routes';
import type { KernelState } from './kernel-model.js';

/**
 * The slice each overlay held before this agent restarted, read back from the VTEP still in
 * the kernel: the VTEP IP of slice i is the VTEP network + i + 1. This is what lets the first
 * node of a cluster (which has nobody to learn its old route from) keep its slice, so a
 * restart removes and re-adds nothing.
 */
export function resumeSlices(overlays: readonly Overlay[], observed: KernelState): Map<string, number> {
  const out = new Map<string, number>();
  for (const overlay of overlays) {
    const vtep = observed.vteps.find((v) => v.name === `vtep${overlay.vni}`);
    if (vtep?.mac === undefined) continue;
    // The record's VTEP IP is what the slice gave: the IPv4 one, or the IPv6 one on an IPv6-only overlay.
    const v4 = overlay.vtepSubnet !== undefined;
    const ip = (v4 ? vtep.address : vtep.address6)?.split('/')[0];
    const subnet = v4 ? overlay.vtepSubnet : overlay.vtepSubnet6;
    if (ip === undefined || subnet === undefined || !ipaddr.isValid(ip)) continue;
    const index = toBig(ip) - toBig(subnet.split('/')[0]!) - 1n;
    if (index < 0n || index >= BigInt(overlay.claimableSlices)) continue;
    if (overlay.recordVtepIp(Number(index)) === ip) out.set(overlay.name, Number(index));
  }
  return out;
}

function toBig(ip: string): bigint {
  return ipaddr
    .parse(ip)
    .toByteArray()
    .reduce((n, b) => n * 256n + BigInt(b), 0n);
}
