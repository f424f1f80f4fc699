import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';
import type { RouteEntry } from '@trellis/routes';
import { gatewayOf } from '../planner/desired-state.js';

/** The Docker network the agent keeps for one overlay: Docker's half of our slice, on `d-<overlay>`. */
export interface DockerNetworkSpec {
  readonly name: string;
  readonly bridge: string;
  readonly subnet: string;
  readonly gateway: string;
  /** Our Docker half's IPv6 range and its gateway, on a dual-stack overlay. */
  readonly subnet6?: string;
  readonly gateway6?: string;
  readonly mtu: number;
}

/** Marks the networks the agent made, so that it removes only those. */
export const overlayLabel = 'trellis.overlay';

/**
 * Undefined on an IPv6-only overlay: Docker's API 1.41 (Docker 20.10, what we speak) gives
 * every bridge network an IPv4 subnet, taken from its default pools when we name none, a range
 * no other host routes; only Docker 28 (API 1.48, `EnableIPv4: false`) can make one without.
 */
export function dockerNetworkSpec(
  overlay: string,
  local: RouteEntry,
  mtu: number,
): DockerNetworkSpec | undefined {
  if (local.dockerSubnet === undefined) return undefined;
  return {
    name: overlay,
    bridge: `d-${overlay}`,
    subnet: local.dockerSubnet,
    gateway: gatewayOf(local.dockerSubnet).split('/')[0]!,
    ...(local.dockerSubnet6 === undefined
      ? {}
      : { subnet6: local.dockerSubnet6, gateway6: firstAddress6(local.dockerSubnet6) }),
    mtu,
  };
}

/**
 * The first address after an IPv6 network's `::0` (the subnet-router anycast): the gateway,
 * as the CNI allocator and the bridges take it in the Mesos half.
 */
function firstAddress6(cidr: string): string {
  const bytes = ipaddr.IPv6.networkAddressFromCIDR(cidr).toByteArray();
  for (let i = bytes.length - 1; i >= 0; i--) {
    bytes[i] = (bytes[i]! + 1) & 0xff;
    if (bytes[i] !== 0) break;
  }
  return ipaddr.fromByteArray(bytes).toString();
}

/**
 * The `POST /networks/create` body: bridge driver on `d-<overlay>` (Docker then owns that
 * bridge), our Docker half as the subnet, its first address as the gateway, the VTEP's MTU, and
 * no masquerade: overlay traffic must keep its source address (egress NAT is the agent's own rule).
 * A dual-stack overlay's network has IPv6 on, with the IPv6 Docker half as a second IPAM config.
 */
export function createBody(spec: DockerNetworkSpec): object {
  const v6 = spec.subnet6 === undefined ? [] : [{ Subnet: spec.subnet6, Gateway: spec.gateway6 }];
  return {
    Name: spec.name,
    Driver: 'bridge',
    CheckDuplicate: true,
    Attachable: true,
    ...(v6.length === 0 ? {} : { EnableIPv6: true }),
    IPAM: { Driver: 'default', Config: [{ Subnet: spec.subnet, Gateway: spec.gateway }, ...v6] },
    Options: {
      'com.docker.network.bridge.name': spec.bridge,
      'com.docker.network.bridge.enable_ip_masquerade': 'false',
      'com.docker.network.driver.mtu': String(spec.mtu),
    },
    Labels: { [overlayLabel]: spec.name },
  };
}

/** The fields of an inspected network (`GET /networks/<name>`) that we compare. */
export interface InspectedNetwork {
  readonly id: string;
  readonly ours: boolean;
  readonly subnet: string | undefined;
  readonly gateway: string | undefined;
  readonly ipv6: boolean;
  readonly subnet6: string | undefined;
  readonly gateway6: string | undefined;
  readonly bridge: string | undefined;
  readonly mtu: string | undefined;
  readonly masquerade: string | undefined;
  /** Container id -> its IPv4 address on this network (without the prefix length), '' without one. */
  readonly containers: ReadonlyMap<string, string>;
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Never throws: what is not there is undefined. */
export function parseInspected(body: unknown): InspectedNetwork | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as {
    Id?: unknown;
    Labels?: Record<string, unknown> | null;
    EnableIPv6?: unknown;
    IPAM?: { Config?: unknown };
    Options?: Record<string, unknown> | null;
    Containers?: Record<string, { IPv4Address?: unknown; IPv6Address?: unknown } | null> | null;
  };
  if (typeof b.Id !== 'string') return undefined;
  const configs = Array.isArray(b.IPAM?.Config) ? (b.IPAM.Config as unknown[]) : [];
  // Docker keeps the configs in the order given, but a network made by hand may not: by family.
  const config = (version: 4 | 6) =>
    configs.find(
      (c) => isIP(str((c as { Subnet?: unknown } | null)?.Subnet)?.split('/')[0] ?? '') === version,
    ) as { Subnet?: unknown; Gateway?: unknown } | undefined;
  const containers = new Map<string, string>();
  for (const [id, c] of Object.entries(b.Containers ?? {})) {
    const ip = str(c?.IPv4Address)?.split('/')[0] ?? '';
    const ip6 = str(c?.IPv6Address)?.split('/')[0] ?? '';
    if (ip !== '' || ip6 !== '') containers.set(id, ip);
  }
  return {
    id: b.Id,
    ours: b.Labels?.[overlayLabel] !== undefined,
    subnet: str(config(4)?.Subnet),
    gateway: str(config(4)?.Gateway),
    ipv6: b.EnableIPv6 === true,
    subnet6: str(config(6)?.Subnet),
    gateway6: str(config(6)?.Gateway),
    bridge: str(b.Options?.['com.docker.network.bridge.name']),
    mtu: str(b.Options?.['com.docker.network.driver.mtu']),
    masquerade: str(b.Options?.['com.docker.network.bridge.enable_ip_masquerade']),
    containers,
  };
}

/** What differs between the network Docker has and the one we want; empty: keep it. */
export function differences(spec: DockerNetworkSpec, n: InspectedNetwork): string[] {
  const out: string[] = [];
  if (n.subnet !== spec.subnet) out.push(`subnet ${n.subnet ?? 'none'} -> ${spec.subnet}`);
  if (n.gateway !== spec.gateway) out.push(`gateway ${n.gateway ?? 'none'} -> ${spec.gateway}`);
  if (n.ipv6 !== (spec.subnet6 !== undefined))
    out.push(`ipv6 ${n.ipv6 ? 'on' : 'off'} -> ${n.ipv6 ? 'off' : 'on'}`);
  if (!sameIp(n.subnet6, spec.subnet6))
    out.push(`subnet6 ${n.subnet6 ?? 'none'} -> ${spec.subnet6 ?? 'none'}`);
  if (!sameIp(n.gateway6, spec.gateway6))
    out.push(`gateway6 ${n.gateway6 ?? 'none'} -> ${spec.gateway6 ?? 'none'}`);
  if (n.bridge !== spec.bridge) out.push(`bridge ${n.bridge ?? 'none'} -> ${spec.bridge}`);
  if (n.mtu !== String(spec.mtu)) out.push(`mtu ${n.mtu ?? 'default'} -> ${spec.mtu}`);
  if (n.masquerade !== 'false') out.push('masquerade on -> off');
  return out;
}

/** The same IPv6 address or CIDR however it is spelled (Docker may write it its own way). */
function sameIp(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  const canonical = (v: string) => {
    const [ip, prefix] = v.split('/');
    return ipaddr.isValid(ip ?? '') ? `${ipaddr.parse(ip!).toNormalizedString()}/${prefix ?? ''}` : v;
  };
  return canonical(a) === canonical(b);
}
