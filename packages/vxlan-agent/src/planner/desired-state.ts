import ipaddr from 'ipaddr.js';
import { assert } from '@trellis/runtime';
import type { Overlay, RouteEntry } from '@trellis/routes';
import type { BridgeSpec, KernelObject, KernelState, VtepSpec } from '../kernel-model.js';
import { stateOf } from './kernel-identity.js';

/** What the planner needs to know about one overlay. */
export interface OverlayPlanInput {
  readonly overlay: Overlay;
  /** Our own settled route on this overlay; undefined while we hold no slice. */
  readonly local: RouteEntry | undefined;
  /** The converged table; our own entry may be in it (it is ignored). */
  readonly remotes: readonly RouteEntry[];
  /** MTU of the underlay interface the tunnel is sourced from. */
  readonly underlayMtu: number;
  /** The underlay is IPv6: 70 bytes of VXLAN overhead instead of 50. */
  readonly underlayIpv6?: boolean;
  /** Create the container bridges `m-<overlay>` and `d-<overlay>`. */
  readonly bridges: boolean;
  /** Docker owns `d-<overlay>` (its network's bridge): we neither create nor delete it. */
  readonly dockerOwnsBridge?: boolean;
}

export type RemoteSkipReason =
  | 'otherOverlay'
  | 'sameVtepIpAsLocal'
  | 'sameVtepMacAsLocal'
  | 'sameAgentSubnetAsLocal'
  | 'duplicateVtepIp'
  | 'duplicateVtepMac'
  | 'duplicateAgentSubnet';

/** A remote entry the planner left out of the kernel, and why. */
export interface RemoteSkipped {
  readonly type: 'remoteSkipped';
  readonly overlay: string;
  readonly owner: string;
  readonly slice: number;
  readonly reason: RemoteSkipReason;
  /** The owner whose entry holds the address (for `duplicate*`) — ours for `same*AsLocal`. */
  readonly keptOwner?: string;
}

export interface DesiredState {
  /** Sorted by identity key (`canonicalState` order). */
  readonly state: KernelState;
  /** In input order of overlays, then by owner. */
  readonly warnings: readonly RemoteSkipped[];
}

/** VXLAN encapsulation overhead: outer Ethernet 14 + IP 20/40 + UDP 8 + VXLAN 8. */
export const vxlanOverheadIpv4 = 50;
export const vxlanOverheadIpv6 = 70;

/**
 * The kernel objects the overlays need, computed from the converged tables.
 *
 * Nothing is created for an overlay while `local` is undefined: the VTEP's address and MAC (the
 * MAC is fixed in the creating request) and the bridge gateways all derive from our slice, so
 * any VTEP built before we hold one would have to be recreated; and with no slice we have no
 * containers on the overlay, so routes to remote agents would carry nothing. Losing our slice
 * therefore tears the overlay's objects down.
 *
 * A remote is skipped, and reported, when it collides with us (same VTEP IP, VTEP MAC or agent
 * subnet) or with a remote already kept: remotes are taken in owner order (ties broken on every
 * other field), so the lexicographically first owner keeps a contested address on every host
 * alike, whatever the table order. Installing both would make the neighbor, FDB entry or route
 * flip between them. Entries owned by us (`local.owner`) are ignored without a warning. Route
 * entries are trusted as the route store validated them; nothing here re-parses addresses.
 */
export function desiredState(inputs: readonly OverlayPlanInput[]): DesiredState {
  const objects: KernelObject[] = [];
  const warnings: RemoteSkipped[] = [];
  const links = new Set<string>();
  // Route identity is the destination alone, so agent subnets are claimed across overlays.
  const routeOwners = new Map<string, string>();
  for (const input of inputs) {
    const { overlay, local } = input;
    if (local === undefined) continue;
    const vtep = vtepOf(input, local);
    const bridges = input.bridges
      ? bridgesOf(overlay.name, local, vtep.mtu).filter(
          (b) => !(input.dockerOwnsBridge === true && b.name.startsWith('d-')),
        )
      : [];
    for (const link of [vtep, ...bridges]) {
      assert(!links.has(link.name), `desiredState: two overlays need the device ${link.name}`);
      links.add(link.name);
    }
    objects.push({ kind: 'vtep', spec: vtep }, ...bridges.map((spec) => ({ kind: 'bridge', spec }) as const));
    const kept = keptRemotes(input, local, routeOwners, warnings);
    for (const remote of kept) {
      const dev = vtep.name;
      objects.push(
        { kind: 'neighbor', spec: { dev, ip: remote.vtepIp, mac: remote.vtepMac } },
        { kind: 'fdb', spec: { dev, mac: remote.vtepMac, dst: remote.underlayIp } },
        { kind: 'route', spec: { dst: remote.agentSubnet, gateway: remote.vtepIp, dev } },
      );
    }
  }
  return { state: stateOf(objects), warnings };
}

/** The remotes of one overlay that get kernel entries; the others are appended to `warnings`. */
function keptRemotes(
  input: OverlayPlanInput,
  local: RouteEntry,
  routeOwners: Map<string, string>,
  warnings: RemoteSkipped[],
): RouteEntry[] {
  const ipOwners = new Map<string, string>([[local.vtepIp, local.owner]]);
  const macOwners = new Map<string, string>([[local.vtepMac, local.owner]]);
  const kept: RouteEntry[] = [];
  for (const remote of sortedRemotes(input.remotes)) {
    if (remote.owner === local.owner) continue;
    const skip = (reason: RemoteSkipReason, keptOwner?: string): void => {
      const base = {
        type: 'remoteSkipped' as const,
        overlay: input.overlay.name,
        owner: remote.owner,
        slice: remote.slice,
      };
      warnings.push(keptOwner === undefined ? { ...base, reason } : { ...base, reason, keptOwner });
    };
    const ipOwner = ipOwners.get(remote.vtepIp);
    const macOwner = macOwners.get(remote.vtepMac);
    const routeOwner =
      remote.agentSubnet === local.agentSubnet ? local.owner : routeOwners.get(remote.agentSubnet);
    if (remote.overlay !== input.overlay.name) skip('otherOverlay');
    else if (ipOwner !== undefined)
      skip(ipOwner === local.owner ? 'sameVtepIpAsLocal' : 'duplicateVtepIp', ipOwner);
    else if (macOwner !== undefined)
      skip(macOwner === local.owner ? 'sameVtepMacAsLocal' : 'duplicateVtepMac', macOwner);
    else if (routeOwner !== undefined) {
      skip(routeOwner === local.owner ? 'sameAgentSubnetAsLocal' : 'duplicateAgentSubnet', routeOwner);
    } else {
      ipOwners.set(remote.vtepIp, remote.owner);
      macOwners.set(remote.vtepMac, remote.owner);
      routeOwners.set(remote.agentSubnet, remote.owner);
      kept.push(remote);
    }
  }
  return kept;
}

function vtepOf(input: OverlayPlanInput, local: RouteEntry): VtepSpec {
  const overhead = input.underlayIpv6 === true ? vxlanOverheadIpv6 : vxlanOverheadIpv4;
  const [, vtepPrefix] = ipaddr.parseCIDR(input.overlay.vtepSubnet);
  return {
    name: `vtep${input.overlay.vni}`,
    vni: input.overlay.vni,
    port: input.overlay.port,
    localIp: local.underlayIp,
    mtu: input.underlayMtu - overhead,
    mac: local.vtepMac,
    address: `${local.vtepIp}/${vtepPrefix}`,
  };
}

/** `m-<overlay>` and `d-<overlay>`, each with its half's first host address as the gateway. */
function bridgesOf(name: string, local: RouteEntry, mtu: number): BridgeSpec[] {
  return [
    { name: `m-${name}`, address: gatewayOf(local.mesosSubnet), mtu },
    { name: `d-${name}`, address: gatewayOf(local.dockerSubnet), mtu },
  ];
}

/** The first host address of an IPv4 network, with the network's prefix: 9.0.5.128/25 -> 9.0.5.129/25. */
export function gatewayOf(cidr: string): string {
  const [, prefix] = ipaddr.parseCIDR(cidr);
  const network = ipaddr.IPv4.networkAddressFromCIDR(cidr).toByteArray();
  const value = (network.reduce((v, byte) => v * 256 + byte, 0) + 1) >>> 0;
  return `${[24, 16, 8, 0].map((shift) => (value >>> shift) & 0xff).join('.')}/${prefix}`;
}

/** Remotes by owner, then every field the kernel sees, so that the order is total. */
function sortedRemotes(remotes: readonly RouteEntry[]): RouteEntry[] {
  const fields = (r: RouteEntry): string[] => [r.owner, r.agentSubnet, r.vtepIp, r.vtepMac, r.underlayIp];
  return [...remotes].sort((a, b) => {
    const x = fields(a);
    const y = fields(b);
    const i = x.findIndex((v, n) => v !== y[n]);
    return i < 0 ? a.slice - b.slice : x[i]! < y[i]! ? -1 : 1;
  });
}
