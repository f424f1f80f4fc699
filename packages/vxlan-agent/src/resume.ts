import ipaddr from 'ipaddr.js';
import type { Overlay } from '@trellis/routes';
import type { KernelState } from './kernel-model.js';

/**
 * The slice each overlay held before this agent restarted, read back from what is still in the
 * kernel. This is what lets the first node of a cluster (which has nobody to learn its old
 * route from) keep its slice, so a restart removes and re-adds nothing.
 *
 * The Mesos bridge's gateway names the slice itself (the first address of its lower half); the
 * VTEP's address names it only when derived from it (network + index + 1), so it is the
 * fallback, for agents without bridges, and not used for an overlay whose VTEP IP is set by
 * hand (`overridden`): an override would name another slice.
 */
export function resumeSlices(
  overlays: readonly Overlay[],
  observed: KernelState,
  overridden: ReadonlySet<string> = new Set(),
): Map<string, number> {
  const out = new Map<string, number>();
  for (const overlay of overlays) {
    const vtep = observed.vteps.find((v) => v.name === `vtep${overlay.vni}`);
    if (vtep?.mac === undefined) continue;
    const index =
      fromBridge(overlay, observed) ?? (overridden.has(overlay.name) ? undefined : fromVtep(overlay, vtep));
    if (index !== undefined) out.set(overlay.name, index);
  }
  return out;
}

/** The slice whose agent subnet holds `m-<overlay>`'s gateway (IPv4, or IPv6 on an IPv6-only overlay). */
function fromBridge(overlay: Overlay, observed: KernelState): number | undefined {
  const bridge = observed.bridges.find((b) => b.name === `m-${overlay.name}`);
  const v4 = overlay.subnet !== undefined;
  const gateway = (v4 ? bridge?.address : bridge?.address6)?.split('/')[0];
  const prefix = v4 ? overlay.prefixLength : overlay.prefixLength6;
  if (gateway === undefined || prefix === undefined || !ipaddr.isValid(gateway)) return undefined;
  const network = ipaddr.IPv4.isValidFourPartDecimal(gateway)
    ? ipaddr.IPv4.networkAddressFromCIDR(`${gateway}/${prefix}`).toString()
    : ipaddr.IPv6.networkAddressFromCIDR(`${gateway}/${prefix}`).toRFC5952String();
  const index = overlay.sliceIndexOf(`${network}/${prefix}`);
  return index !== undefined && index < overlay.claimableSlices ? index : undefined;
}

/** The slice whose derived VTEP address is the VTEP's: network + index + 1. */
function fromVtep(overlay: Overlay, vtep: KernelState['vteps'][number]): number | undefined {
  // The record's VTEP IP is what the slice gave: the IPv4 one, or the IPv6 one on an IPv6-only overlay.
  const v4 = overlay.vtepSubnet !== undefined;
  const ip = (v4 ? vtep.address : vtep.address6)?.split('/')[0];
  const subnet = v4 ? overlay.vtepSubnet : overlay.vtepSubnet6;
  if (ip === undefined || subnet === undefined || !ipaddr.isValid(ip)) return undefined;
  const index = toBig(ip) - toBig(subnet.split('/')[0]!) - 1n;
  if (index < 0n || index >= BigInt(overlay.claimableSlices)) return undefined;
  return overlay.recordVtepIp(Number(index)) === ip ? Number(index) : undefined;
}

function toBig(ip: string): bigint {
  return ipaddr
    .parse(ip)
    .toByteArray()
    .reduce((n, b) => n * 256n + BigInt(b), 0n);
}
