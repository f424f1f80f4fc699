import type { RouteEntry } from '@trellis/routes';
import { gatewayOf } from '../planner/desired-state.js';

/** The Docker network the agent keeps for one overlay: Docker's half of our slice, on `d-<overlay>`. */
export interface DockerNetworkSpec {
  readonly name: string;
  readonly bridge: string;
  readonly subnet: string;
  readonly gateway: string;
  readonly mtu: number;
}

/** Marks the networks the agent made, so that it removes only those. */
export const overlayLabel = 'trellis.overlay';

export function dockerNetworkSpec(overlay: string, local: RouteEntry, mtu: number): DockerNetworkSpec {
  return {
    name: overlay,
    bridge: `d-${overlay}`,
    subnet: local.dockerSubnet,
    gateway: gatewayOf(local.dockerSubnet).split('/')[0]!,
    mtu,
  };
}

/**
 * The `POST /networks/create` body: bridge driver on `d-<overlay>` (Docker then owns that
 * bridge), our Docker half as the subnet, its first address as the gateway, the VTEP's MTU, and
 * no masquerade: overlay traffic must keep its source address (egress NAT is the agent's own rule).
 */
export function createBody(spec: DockerNetworkSpec): object {
  return {
    Name: spec.name,
    Driver: 'bridge',
    CheckDuplicate: true,
    Attachable: true,
    IPAM: { Driver: 'default', Config: [{ Subnet: spec.subnet, Gateway: spec.gateway }] },
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
  readonly bridge: string | undefined;
  readonly mtu: string | undefined;
  readonly masquerade: string | undefined;
  /** Container id -> its IPv4 address on this network (without the prefix length). */
  readonly containers: ReadonlyMap<string, string>;
}

/** Never throws: what is not there is undefined. */
export function parseInspected(body: unknown): InspectedNetwork | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const b = body as {
    Id?: unknown;
    Labels?: Record<string, unknown> | null;
    IPAM?: { Config?: { Subnet?: unknown; Gateway?: unknown }[] | null };
    Options?: Record<string, unknown> | null;
    Containers?: Record<string, { IPv4Address?: unknown }> | null;
  };
  if (typeof b.Id !== 'string') return undefined;
  const config = b.IPAM?.Config?.[0];
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const containers = new Map<string, string>();
  for (const [id, c] of Object.entries(b.Containers ?? {})) {
    const ip = str(c.IPv4Address)?.split('/')[0];
    if (ip !== undefined && ip !== '') containers.set(id, ip);
  }
  return {
    id: b.Id,
    ours: b.Labels?.[overlayLabel] !== undefined,
    subnet: str(config?.Subnet),
    gateway: str(config?.Gateway),
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
  if (n.bridge !== spec.bridge) out.push(`bridge ${n.bridge ?? 'none'} -> ${spec.bridge}`);
  if (n.mtu !== String(spec.mtu)) out.push(`mtu ${n.mtu ?? 'default'} -> ${spec.mtu}`);
  if (n.masquerade !== 'false') out.push('masquerade on -> off');
  return out;
}
