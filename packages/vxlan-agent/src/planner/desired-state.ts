import { isIPv6 } from 'node:net';
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
  | 'duplicateAgentSubnet'
  /** Its underlay is IPv6 and ours IPv4, or the reverse: one VTEP sends over one family. */
  | 'underlayFamilyMismatch';

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

/** The VTEP's MTU, and so every container's: what the underlay carries minus VXLAN's overhead. */
export function vtepMtu(underlayMtu: number, underlayIpv6: boolean): number {
  return underlayMtu - (underlayIpv6 ? vxlanOverheadIpv6 : vxlanOverheadIpv4);
}

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
 *
 * On an overlay with IPv6 (our entry has a VTEP IPv6) the VTEP and bridges get their IPv6
 * address, and every kept remote an IPv6 neighbor and route, besides the IPv4 ones on a
 * dual-stack overlay or alone on an IPv6-only one. The IPv6 VTEP IP and agent subnet follow
 * from the slice, as the IPv4 agent subnet does, so the collision checks above cover them: two
 * remotes with one IPv6 VTEP IP hold one slice, hence one agent subnet. (On an IPv6-only
 * overlay the checks compare the VTEP IPv6 and the IPv6 agent subnet themselves.) A remote whose underlay is of the other family is skipped:
 * a VXLAN device sends over the family of its local address only.
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
      ? bridgesOf(overlay.name, local, vtep.mtu, vtep.address6 !== undefined).filter(
          (b) => !(input.dockerOwnsBridge === true && b.name.startsWith('d-')),
        )
      : [];
    for (const link of [vtep, ...bridges]) {
      assert(!links.has(link.name), `desiredState: two overlays need the device ${link.name}`);
      links.add(link.name);
    }
    objects.push({ kind: 'vtep', spec: vtep }, ...bridges.map((spec) => ({ kind: 'bridge', spec }) as const));
    const kept = keptRemotes(input, local, routeOwners, warnings);
    for (const remote of kept) objects.push(...remoteObjects(vtep, remote));
  }
  return { state: stateOf(objects), warnings };
}

/**
 * A kept remote's FDB entry, and per family our VTEP has (and the remote's entry has too) a
 * neighbor and a route to its agent subnet.
 */
function remoteObjects(vtep: VtepSpec, remote: RouteEntry): KernelObject[] {
  const dev = vtep.name;
  const objects: KernelObject[] = [
    { kind: 'fdb', spec: { dev, mac: remote.vtepMac, dst: remote.underlayIp } },
  ];
  if (vtep.address !== undefined && remote.vtepIp !== undefined && remote.agentSubnet !== undefined) {
    objects.push(
      { kind: 'neighbor', spec: { dev, ip: remote.vtepIp, mac: remote.vtepMac } },
      { kind: 'route', spec: { dst: remote.agentSubnet, gateway: remote.vtepIp, dev } },
    );
  }
  if (vtep.address6 !== undefined && remote.vtepIp6 !== undefined && remote.agentSubnet6 !== undefined) {
    objects.push(
      { kind: 'neighbor', spec: { dev, ip: remote.vtepIp6, mac: remote.vtepMac } },
      { kind: 'route', spec: { dst: remote.agentSubnet6, gateway: remote.vtepIp6, dev } },
    );
  }
  return objects;
}

/** The remotes of one overlay that get kernel entries; the others are appended to `warnings`. */
function keptRemotes(
  input: OverlayPlanInput,
  local: RouteEntry,
  routeOwners: Map<string, string>,
  warnings: RemoteSkipped[],
): RouteEntry[] {
  // On an IPv6-only overlay the VTEP IPv6 is the record's VTEP IP: it is the one checked, as it
  // is the one programmed (by the overlay's family, not by which fields an entry happens to carry).
  const v6only = input.overlay.subnet === undefined;
  const vtepIpOf = (r: RouteEntry): string => (v6only ? r.vtepIp6 : r.vtepIp)!;
  const subnetOf = (r: RouteEntry): string => (v6only ? r.agentSubnet6 : r.agentSubnet)!;
  const ipOwners = new Map<string, string>([[vtepIpOf(local), local.owner]]);
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
    const ipOwner = ipOwners.get(vtepIpOf(remote));
    const macOwner = macOwners.get(remote.vtepMac);
    const routeOwner = subnetOf(remote) === subnetOf(local) ? local.owner : routeOwners.get(subnetOf(remote));
    if (remote.overlay !== input.overlay.name) skip('otherOverlay');
    else if (isIPv6(remote.underlayIp) !== isIPv6(local.underlayIp)) skip('underlayFamilyMismatch');
    else if (ipOwner !== undefined)
      skip(ipOwner === local.owner ? 'sameVtepIpAsLocal' : 'duplicateVtepIp', ipOwner);
    else if (macOwner !== undefined)
      skip(macOwner === local.owner ? 'sameVtepMacAsLocal' : 'duplicateVtepMac', macOwner);
    else if (routeOwner !== undefined) {
      skip(routeOwner === local.owner ? 'sameAgentSubnetAsLocal' : 'duplicateAgentSubnet', routeOwner);
    } else {
      ipOwners.set(vtepIpOf(remote), remote.owner);
      macOwners.set(remote.vtepMac, remote.owner);
      routeOwners.set(subnetOf(remote), remote.owner);
      kept.push(remote);
    }
  }
  return kept;
}

function vtepOf(input: OverlayPlanInput, local: RouteEntry): VtepSpec {
  const withPrefix = (ip: string | undefined, subnet: string | undefined): string | undefined =>
    ip === undefined || subnet === undefined ? undefined : `${ip}/${ipaddr.parseCIDR(subnet)[1]}`;
  const address = withPrefix(local.vtepIp, input.overlay.vtepSubnet);
  const address6 = withPrefix(local.vtepIp6, input.overlay.vtepSubnet6);
  return {
    name: `vtep${input.overlay.vni}`,
    vni: input.overlay.vni,
    port: input.overlay.port,
    localIp: local.underlayIp,
    mtu: vtepMtu(input.underlayMtu, input.underlayIpv6 === true),
    mac: local.vtepMac,
    ...(address === undefined ? {} : { address }),
    ...(address6 === undefined ? {} : { address6 }),
  };
}

/**
 * `m-<overlay>` and `d-<overlay>`, each with its half's first host address as the gateway, and
 * on a dual-stack overlay (`ipv6`) the first host address of its IPv6 half too.
 */
function bridgesOf(name: string, local: RouteEntry, mtu: number, ipv6: boolean): BridgeSpec[] {
  const half = (bridge: string, v4: string | undefined, v6: string | undefined): BridgeSpec => ({
    name: bridge,
    ...(v4 === undefined ? {} : { address: gatewayOf(v4) }),
    ...(ipv6 && v6 !== undefined ? { address6: gatewayOf(v6) } : {}),
    mtu,
  });
  return [
    half(`m-${name}`, local.mesosSubnet, local.mesosSubnet6),
    half(`d-${name}`, local.dockerSubnet, local.dockerSubnet6),
  ];
}

/**
 * The first host address of a network, with the network's prefix: 9.0.5.128/25 -> 9.0.5.129/25,
 * fd01:b:0:0:5::/81 -> fd01:b:0:0:5::1/81 (IPv6 text in RFC 5952 form).
 */
export function gatewayOf(cidr: string): string {
  const [address, prefix] = ipaddr.parseCIDR(cidr);
  const network =
    address.kind() === 'ipv4'
      ? ipaddr.IPv4.networkAddressFromCIDR(cidr).toByteArray()
      : ipaddr.IPv6.networkAddressFromCIDR(cidr).toByteArray();
  for (let i = network.length - 1; i >= 0; i--) {
    network[i] = (network[i]! + 1) & 0xff;
    if (network[i] !== 0) break;
  }
  const gateway = ipaddr.fromByteArray(network);
  const text = gateway.kind() === 'ipv6' ? (gateway as ipaddr.IPv6).toRFC5952String() : gateway.toString();
  return `${text}/${prefix}`;
}

/** Remotes by owner, then every field the kernel sees, so that the order is total. */
function sortedRemotes(remotes: readonly RouteEntry[]): RouteEntry[] {
  const fields = (r: RouteEntry): string[] => [
    r.owner,
    r.agentSubnet ?? r.agentSubnet6 ?? '',
    r.vtepIp ?? r.vtepIp6 ?? '',
    r.vtepMac,
    r.underlayIp,
  ];
  return [...remotes].sort((a, b) => {
    const x = fields(a);
    const y = fields(b);
    const i = x.findIndex((v, n) => v !== y[n]);
    return i < 0 ? a.slice - b.slice : x[i]! < y[i]! ? -1 : 1;
  });
}
