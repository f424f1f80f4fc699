/**
 * The kernel objects the agent owns, as plain data. The planner computes the desired set from
 * the converged route tables; the executor reads the actual set back from the kernel (only
 * what is ours) and applies the planner's operations. Addresses are canonical strings
 * (IPv4 dotted quad, IPv6 in RFC 5952 text, MAC lowercase `aa:bb:cc:dd:ee:ff`, prefixes as
 * `a.b.c.d/n` or `fd01:a::6/64`). Neighbors and routes of both families are one kind each:
 * their identity (device and IP, destination) never collides across families.
 */

/** The VXLAN device of one overlay, e.g. `vtep1024`. */
export interface VtepSpec {
  readonly name: string;
  readonly vni: number;
  /** VXLAN UDP destination port (64000 in DC/OS). */
  readonly port: number;
  /** Underlay IP (IPv4 or IPv6) the tunnel is sourced from. */
  readonly localIp: string;
  /** Underlay MTU - 50 (IPv4 underlay) or - 70 (IPv6). */
  readonly mtu: number;
  /** 70:b3:d5 + low 24 bits of the VTEP IP; set in the creating request. */
  readonly mac: string;
  /** The VTEP IP with the VTEP subnet's prefix, e.g. `44.128.0.5/20`; none on an IPv6-only overlay. */
  readonly address?: string;
  /** On an overlay with IPv6: the VTEP IPv6 with `vtepSubnet6`'s prefix, e.g. `fd01:a::6/64`. */
  readonly address6?: string;
}

/** A container bridge: `m-<overlay>` (Mesos half) or `d-<overlay>` (Docker half). */
export interface BridgeSpec {
  readonly name: string;
  /** Gateway address of the half with the half's prefix, e.g. `9.0.5.1/25`; none on an IPv6-only overlay. */
  readonly address?: string;
  /** On an overlay with IPv6: the IPv6 gateway of the half, e.g. `fd01:b:0:0:5::1/81`. */
  readonly address6?: string;
  readonly mtu: number;
}

/** Permanent neighbor entry on the VTEP: remote VTEP IP (IPv4 or IPv6) -> remote VTEP MAC. */
export interface NeighborSpec {
  readonly dev: string;
  readonly ip: string;
  readonly mac: string;
}

/** Permanent FDB entry on the VTEP (`self`): remote VTEP MAC -> remote underlay IP (either family). */
export interface FdbSpec {
  readonly dev: string;
  readonly mac: string;
  readonly dst: string;
}

/**
 * A route to a remote agent's subnet via its VTEP IP, onlink, with our own rtm_protocol: the
 * IPv4 agent subnet via the VTEP IPv4, the IPv6 one via the VTEP IPv6.
 */
export interface RouteSpec {
  readonly dst: string;
  readonly gateway: string;
  readonly dev: string;
}

export interface KernelState {
  readonly vteps: readonly VtepSpec[];
  readonly bridges: readonly BridgeSpec[];
  readonly neighbors: readonly NeighborSpec[];
  readonly fdb: readonly FdbSpec[];
  readonly routes: readonly RouteSpec[];
}

export type KernelObject =
  | { readonly kind: 'vtep'; readonly spec: VtepSpec }
  | { readonly kind: 'bridge'; readonly spec: BridgeSpec }
  | { readonly kind: 'neighbor'; readonly spec: NeighborSpec }
  | { readonly kind: 'fdb'; readonly spec: FdbSpec }
  | { readonly kind: 'route'; readonly spec: RouteSpec };

/**
 * One step of a plan. `put` is create-or-replace (never exclusive-create); `delete` of a missing
 * object succeeds. `previous` is the observed object with the same identity that a `put`
 * replaces (a neighbor's old MAC, an FDB entry's old underlay IP, a VTEP to recreate): the
 * replace overwrites it, and objects whose identity changed get their own `delete` op.
 */
export type Op =
  | { readonly op: 'put'; readonly object: KernelObject; readonly previous?: KernelObject }
  | { readonly op: 'delete'; readonly object: KernelObject };

/** rtm_protocol value marking routes as ours (unassigned in /etc/iproute2/rt_protos). */
export const trellisRouteProtocol = 44;
