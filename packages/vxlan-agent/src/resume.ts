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
    const ip = vtep?.address.split('/')[0];
    if (ip === undefined || !ipaddr.IPv4.isValidFourPartDecimal(ip)) continue;
    const base = toInt(overlay.vtepSubnet.split('/')[0]!);
    const index = toInt(ip) - base - 1;
    if (
      index >= 0 &&
      index < overlay.claimableSlices &&
      overlay.vtepIp(index) === ip &&
      vtep?.mac !== undefined
    ) {
      out.set(overlay.name, index);
    }
  }
  return out;
}

function toInt(ip: string): number {
  return ipaddr.IPv4.parse(ip)
    .toByteArray()
    .reduce((n, b) => n * 256 + b, 0);
}
