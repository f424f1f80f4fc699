import ipaddr from 'ipaddr.js';
import { assert, InvalidArgumentError } from '@trellis/runtime';
import {
  contains,
  formatAddress,
  formatCidr,
  parseAddress,
  parseCidr,
  type Cidr,
  type IpKind,
} from './cidr.js';

export type { IpKind } from './cidr.js';

/**
 * Longest IPv4 slice: its /30 halves hold network, gateway, one container and broadcast. A /30
 * slice would leave /31 halves with no container address at all.
 */
export const prefixLengthMax = 29;
/** Longest IPv6 slice: its /126 halves hold ::0 (subnet-router anycast), gateway ::1 and two containers. */
export const prefixLength6Max = 125;

/**
 * An overlay as `parseOverlay` resolved it: every default filled in, every value valid. IPv6 is
 * either fully present (`subnet6` and `prefixLength6`) or absent.
 */
export interface OverlayConfig {
  readonly name: string;
  readonly subnet: string;
  readonly prefixLength: number;
  readonly subnet6?: string;
  readonly prefixLength6?: number;
  readonly vni: number;
  readonly port: number;
  readonly vtepSubnet: string;
  /** Where VTEP IPv6 addresses come from (slice index + 1); only with `subnet6`. */
  readonly vtepSubnet6?: string;
}

/** One agent's share of an overlay: the slice and its two bridge halves, same index in IPv6. */
export interface Slice {
  readonly index: number;
  readonly agentSubnet: string;
  /** Lower half, for the Mesos bridge (DC/OS `m-dcos`). */
  readonly mesosSubnet: string;
  /** Upper half, for the Docker bridge (DC/OS `d-dcos`). */
  readonly dockerSubnet: string;
  readonly agentSubnet6?: string;
  readonly mesosSubnet6?: string;
  readonly dockerSubnet6?: string;
}

/**
 * An overlay network and its slice arithmetic. Built by `parseOverlay`/`parseOverlays`, which
 * report a user's mistakes as one `ConfigError`; the constructor only asserts what they checked.
 */
export class Overlay {
  readonly name: string;
  readonly subnet: string;
  readonly prefixLength: number;
  // `declare` so an IPv4-only overlay has no `subnet6` key at all (exactOptionalPropertyTypes).
  declare readonly subnet6?: string;
  declare readonly prefixLength6?: number;
  readonly vni: number;
  readonly port: number;
  readonly vtepSubnet: string;
  declare readonly vtepSubnet6?: string;
  /** Slices of `subnet` at `prefixLength`; at most 2^29 (a /0 cut in /29s). */
  readonly sliceCount: number;
  /** VTEP addresses in `vtepSubnet`, network and broadcast excluded. */
  readonly vtepCapacity: number;
  /** VTEP IPv6 addresses in `vtepSubnet6` (the network address excluded); 0 without one. */
  readonly vtepCapacity6: number;
  /**
   * Slices an agent may claim: min(sliceCount, vtepCapacity, vtepCapacity6 when dual-stack) —
   * the VTEP IPs are derived from the slice index.
   */
  readonly claimableSlices: number;
  readonly #net: Cidr;
  readonly #net6: Cidr | undefined;
  readonly #vtep: Cidr;
  readonly #vtep6: Cidr | undefined;

  constructor(config: OverlayConfig) {
    this.#net = mustParse(config.subnet, 'ipv4');
    this.#vtep = mustParse(config.vtepSubnet, 'ipv4');
    assert(
      config.prefixLength > this.#net.prefix && config.prefixLength <= prefixLengthMax,
      'overlay prefixLength',
    );
    assert(this.#vtep.prefix <= 30, 'overlay vtepSubnet leaves no VTEP addresses');
    this.name = config.name;
    this.subnet = formatCidr(this.#net.base, this.#net.prefix, 'ipv4');
    this.prefixLength = config.prefixLength;
    this.vni = config.vni;
    this.port = config.port;
    this.vtepSubnet = formatCidr(this.#vtep.base, this.#vtep.prefix, 'ipv4');
    this.sliceCount = Math.min(2 ** (this.prefixLength - this.#net.prefix), Number.MAX_SAFE_INTEGER);
    this.vtepCapacity = 2 ** (32 - this.#vtep.prefix) - 2;
    this.#net6 = undefined;
    this.#vtep6 = undefined;
    this.vtepCapacity6 = 0;
    assert(
      config.vtepSubnet6 === undefined || config.subnet6 !== undefined,
      'overlay vtepSubnet6 without subnet6',
    );
    if (config.subnet6 !== undefined) {
      const net6 = mustParse(config.subnet6, 'ipv6');
      const prefix6 = config.prefixLength6;
      assert(
        prefix6 !== undefined && prefix6 > net6.prefix && prefix6 <= prefixLength6Max,
        'overlay prefixLength6',
      );
      // Every IPv4 slice index must name an IPv6 slice too.
      assert(prefix6 - net6.prefix >= this.prefixLength - this.#net.prefix, 'overlay IPv6 slices too few');
      this.#net6 = net6;
      this.subnet6 = formatCidr(net6.base, net6.prefix, 'ipv6');
      this.prefixLength6 = prefix6;
      if (config.vtepSubnet6 !== undefined) {
        const vtep6 = mustParse(config.vtepSubnet6, 'ipv6');
        assert(vtep6.prefix <= 127, 'overlay vtepSubnet6 leaves no VTEP address');
        this.#vtep6 = vtep6;
        this.vtepSubnet6 = formatCidr(vtep6.base, vtep6.prefix, 'ipv6');
        this.vtepCapacity6 = Math.min(2 ** (128 - vtep6.prefix) - 1, Number.MAX_SAFE_INTEGER);
      }
    }
    const capacity =
      this.#vtep6 === undefined ? this.vtepCapacity : Math.min(this.vtepCapacity, this.vtepCapacity6);
    this.claimableSlices = Math.min(this.sliceCount, capacity);
    Object.freeze(this);
  }

  /** The slice at `index`; throws `InvalidArgumentError` outside [0, sliceCount). */
  slice(index: number): Slice {
    this.#checkIndex(index, this.sliceCount, 'slice index');
    const v4 = halves(this.#net, this.prefixLength, index);
    const slice: { -readonly [K in keyof Slice]: Slice[K] } = {
      index,
      agentSubnet: v4.agent,
      mesosSubnet: v4.lower,
      dockerSubnet: v4.upper,
    };
    if (this.#net6 !== undefined && this.prefixLength6 !== undefined) {
      const v6 = halves(this.#net6, this.prefixLength6, index);
      slice.agentSubnet6 = v6.agent;
      slice.mesosSubnet6 = v6.lower;
      slice.dockerSubnet6 = v6.upper;
    }
    return Object.freeze(slice);
  }

  /**
   * The index whose `agentSubnet` (or `agentSubnet6`) is `cidr`, or undefined if `cidr` is not
   * exactly one of this overlay's slices — peers send these strings, so no throw.
   */
  sliceIndexOf(cidr: string): number | undefined {
    const isV4 = ipaddr.IPv4.isValidCIDRFourPartDecimal(cidr);
    const net = isV4 ? this.#net : this.#net6;
    const prefix = isV4 ? this.prefixLength : this.prefixLength6;
    if (net === undefined || prefix === undefined) return undefined;
    const parsed = parseCidr(cidr, net.kind);
    if (typeof parsed === 'string' || parsed.prefix !== prefix || !contains(net, parsed.base))
      return undefined;
    const index = Number((parsed.base - net.base) >> BigInt(net.bits - prefix));
    return index < this.sliceCount ? index : undefined;
  }

  /** The VTEP IP of the agent holding slice `index`: vtepSubnet network + index + 1. */
  vtepIp(index: number): string {
    this.#checkIndex(index, this.vtepCapacity, 'VTEP index');
    return formatAddress(this.#vtep.base + BigInt(index) + 1n, 'ipv4');
  }

  /**
   * The VTEP IPv6 of the agent holding slice `index`: vtepSubnet6 network + index + 1, so every
   * agent derives a remote's from its slice, as for IPv4 (nothing on the wire). Undefined on an
   * overlay without `vtepSubnet6` or past its capacity (a peer's slice we would not claim).
   */
  vtepIp6(index: number): string | undefined {
    if (this.#vtep6 === undefined || !Number.isInteger(index) || index < 0 || index >= this.vtepCapacity6)
      return undefined;
    return formatAddress(this.#vtep6.base + BigInt(index) + 1n, 'ipv6');
  }

  /** Is `ip` one of the VTEP addresses of `vtepSubnet` (network and broadcast excluded)? No throw. */
  hasVtepIp(ip: string): boolean {
    const a = parseAddress(ip, 'ipv4');
    const hostBits = BigInt(32 - this.#vtep.prefix);
    return (
      a !== undefined &&
      contains(this.#vtep, a) &&
      a !== this.#vtep.base &&
      a !== this.#vtep.base + (1n << hostBits) - 1n
    );
  }

  /** Does `ip` (IPv4 or IPv6 text) lie in the agent subnet of slice `index`? No throw. */
  sliceHas(index: number, ip: string): boolean {
    if (!Number.isInteger(index) || index < 0 || index >= this.sliceCount) return false;
    const v4 = ipaddr.IPv4.isValidFourPartDecimal(ip);
    const net = v4 ? this.#net : this.#net6;
    const prefix = v4 ? this.prefixLength : this.prefixLength6;
    const a = parseAddress(ip, v4 ? 'ipv4' : 'ipv6');
    if (net === undefined || prefix === undefined || a === undefined) return false;
    const base = net.base + (BigInt(index) << BigInt(net.bits - prefix));
    return contains({ kind: net.kind, base, prefix, bits: net.bits }, a);
  }

  #checkIndex(index: number, limit: number, what: string): void {
    if (!Number.isInteger(index) || index < 0 || index >= limit) {
      throw new InvalidArgumentError(`overlay ${this.name}: ${what} ${index} is outside [0, ${limit})`);
    }
  }
}

/**
 * The VTEP MAC DC/OS derives from the VTEP IP: OUI 70:b3:d5 plus the IP's low 24 bits, so a
 * restarted agent gets the same MAC back (a changed MAC broke DC/OS traffic).
 */
export function vtepMac(vtepIp: string): string {
  if (!ipaddr.IPv4.isValidFourPartDecimal(vtepIp)) {
    throw new InvalidArgumentError(`VTEP IP must be an IPv4 address, got ${JSON.stringify(vtepIp)}`);
  }
  const low = ipaddr.IPv4.parse(vtepIp).toByteArray().slice(1);
  return ['70', 'b3', 'd5', ...low.map((b) => b.toString(16).padStart(2, '0'))].join(':');
}

function mustParse(text: string, kind: IpKind): Cidr {
  const parsed = parseCidr(text, kind);
  assert(typeof parsed !== 'string', `overlay: ${parsed as string}`);
  return parsed;
}

function halves(net: Cidr, prefix: number, index: number): { agent: string; lower: string; upper: string } {
  const base = net.base + (BigInt(index) << BigInt(net.bits - prefix));
  const half = 1n << BigInt(net.bits - prefix - 1);
  return {
    agent: formatCidr(base, prefix, net.kind),
    lower: formatCidr(base, prefix + 1, net.kind),
    upper: formatCidr(base + half, prefix + 1, net.kind),
  };
}
