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
/** VTEP MACs differ only in the VTEP IP's low 24 bits (`vtepMac`): no more slices than that. */
const vtepMacSpace = 2 ** 24;
/** Longest IPv6 slice: its /126 halves hold ::0 (subnet-router anycast), gateway ::1 and two containers. */
export const prefixLength6Max = 125;

/**
 * An overlay as `parseOverlay` resolved it: every default filled in, every value valid. Each
 * family is either fully present (IPv4: `subnet`, `prefixLength`, `vtepSubnet`; IPv6: `subnet6`,
 * `prefixLength6`, `vtepSubnet6`) or absent, and at least one is present.
 */
export interface OverlayConfig {
  readonly name: string;
  readonly subnet?: string;
  readonly prefixLength?: number;
  readonly subnet6?: string;
  readonly prefixLength6?: number;
  readonly vni: number;
  readonly port: number;
  /** Where VTEP IPs come from (slice index + 1); only with `subnet`. */
  readonly vtepSubnet?: string;
  /** Where VTEP IPv6 addresses come from (slice index + 1); only with `subnet6`. */
  readonly vtepSubnet6?: string;
}

/**
 * One agent's share of an overlay: the slice and its two bridge halves, in each family the
 * overlay has (the same index in both).
 */
export interface Slice {
  readonly index: number;
  readonly agentSubnet?: string;
  /** Lower half, for the Mesos bridge (DC/OS `m-dcos`). */
  readonly mesosSubnet?: string;
  /** Upper half, for the Docker bridge (DC/OS `d-dcos`). */
  readonly dockerSubnet?: string;
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
  // `declare` so a single-family overlay has no key of the other family at all
  // (exactOptionalPropertyTypes).
  declare readonly subnet?: string;
  declare readonly prefixLength?: number;
  declare readonly subnet6?: string;
  declare readonly prefixLength6?: number;
  readonly vni: number;
  readonly port: number;
  declare readonly vtepSubnet?: string;
  declare readonly vtepSubnet6?: string;
  /**
   * Slices at `prefixLength` of `subnet` (of `subnet6` on an IPv6-only overlay), at most
   * Number.MAX_SAFE_INTEGER.
   */
  readonly sliceCount: number;
  /** VTEP addresses in `vtepSubnet`, network and broadcast excluded; 0 without one. */
  readonly vtepCapacity: number;
  /** VTEP IPv6 addresses in `vtepSubnet6` (the network address excluded); 0 without one. */
  readonly vtepCapacity6: number;
  /**
   * Slices an agent may claim: min(sliceCount, the capacity of each VTEP subnet the overlay has,
   * 2^24 VTEP MACs): the VTEP IPs, and from them the MAC, are derived from the slice index.
   */
  readonly claimableSlices: number;
  readonly #net: Cidr | undefined;
  readonly #net6: Cidr | undefined;
  readonly #vtep: Cidr | undefined;
  readonly #vtep6: Cidr | undefined;

  constructor(config: OverlayConfig) {
    assert(config.subnet !== undefined || config.subnet6 !== undefined, 'overlay without a subnet');
    assert(
      config.vtepSubnet === undefined || config.subnet !== undefined,
      'overlay vtepSubnet without subnet',
    );
    assert(
      config.vtepSubnet6 === undefined || config.subnet6 !== undefined,
      'overlay vtepSubnet6 without subnet6',
    );
    this.name = config.name;
    this.vni = config.vni;
    this.port = config.port;
    const v4 = config.subnet === undefined ? undefined : family4(config);
    const v6 = config.subnet6 === undefined ? undefined : family6(config);
    this.#net = v4?.net;
    this.#vtep = v4?.vtep;
    this.#net6 = v6?.net;
    this.#vtep6 = v6?.vtep;
    if (v4 !== undefined) {
      this.subnet = formatCidr(v4.net.base, v4.net.prefix, 'ipv4');
      this.prefixLength = v4.prefix;
      if (v4.vtep !== undefined) this.vtepSubnet = formatCidr(v4.vtep.base, v4.vtep.prefix, 'ipv4');
    }
    if (v6 !== undefined) {
      // Every IPv4 slice index must name an IPv6 slice too.
      assert(v4 === undefined || v6.bits >= v4.bits, 'overlay IPv6 slices too few');
      this.subnet6 = formatCidr(v6.net.base, v6.net.prefix, 'ipv6');
      this.prefixLength6 = v6.prefix;
      if (v6.vtep !== undefined) this.vtepSubnet6 = formatCidr(v6.vtep.base, v6.vtep.prefix, 'ipv6');
    }
    const bits = (v4 ?? v6)!.bits;
    this.sliceCount = Math.min(2 ** bits, Number.MAX_SAFE_INTEGER);
    this.vtepCapacity = v4?.vtep === undefined ? 0 : 2 ** (32 - v4.vtep.prefix) - 2;
    this.vtepCapacity6 =
      v6?.vtep === undefined ? 0 : Math.min(2 ** (128 - v6.vtep.prefix) - 1, Number.MAX_SAFE_INTEGER);
    const capacities = [v4?.vtep && this.vtepCapacity, v6?.vtep && this.vtepCapacity6];
    this.claimableSlices = Math.min(
      this.sliceCount,
      vtepMacSpace,
      ...capacities.filter((c): c is number => typeof c === 'number'),
    );
    Object.freeze(this);
  }

  /** The slice at `index`; throws `InvalidArgumentError` outside [0, sliceCount). */
  slice(index: number): Slice {
    this.#checkIndex(index, this.sliceCount, 'slice index');
    const slice: { -readonly [K in keyof Slice]: Slice[K] } = { index };
    if (this.#net !== undefined && this.prefixLength !== undefined) {
      const v4 = halves(this.#net, this.prefixLength, index);
      slice.agentSubnet = v4.agent;
      slice.mesosSubnet = v4.lower;
      slice.dockerSubnet = v4.upper;
    }
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

  /**
   * The VTEP IP of the agent holding slice `index`: vtepSubnet network + index + 1. Throws
   * `InvalidArgumentError` past `vtepCapacity` (always, on an IPv6-only overlay).
   */
  vtepIp(index: number): string {
    this.#checkIndex(index, this.vtepCapacity, 'VTEP index');
    return formatAddress(this.#vtep!.base + BigInt(index) + 1n, 'ipv4');
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

  /**
   * The VTEP address a route record carries (its `vi`) and the VTEP MAC derives from: the VTEP
   * IP where the overlay has IPv4, else (IPv6-only) the VTEP IPv6. Throws past capacity.
   */
  recordVtepIp(index: number): string {
    if (this.#net !== undefined) return this.vtepIp(index);
    this.#checkIndex(index, this.vtepCapacity6, 'VTEP index');
    return this.vtepIp6(index)!;
  }

  /**
   * Is `ip` a VTEP address a route record on this overlay may carry? One of `vtepSubnet`'s
   * (network and broadcast excluded), or on an IPv6-only overlay one of `vtepSubnet6`'s in
   * RFC 5952 text (network excluded). No throw.
   */
  hasVtepIp(ip: string): boolean {
    if (this.#net === undefined) {
      const a = this.#vtep6 === undefined ? undefined : parseAddress(ip, 'ipv6');
      return (
        a !== undefined &&
        contains(this.#vtep6!, a) &&
        a !== this.#vtep6!.base &&
        formatAddress(a, 'ipv6') === ip
      );
    }
    const a = parseAddress(ip, 'ipv4');
    const vtep = this.#vtep!;
    const hostBits = BigInt(32 - vtep.prefix);
    return a !== undefined && contains(vtep, a) && a !== vtep.base && a !== vtep.base + (1n << hostBits) - 1n;
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

/** One family of an overlay, parsed: its subnet, slice length, slice-index bits and VTEP subnet. */
interface Family {
  readonly net: Cidr;
  readonly prefix: number;
  readonly bits: number;
  readonly vtep: Cidr | undefined;
}

function family4(config: OverlayConfig): Family {
  const net = mustParse(config.subnet!, 'ipv4');
  const prefix = config.prefixLength;
  assert(prefix !== undefined && prefix > net.prefix && prefix <= prefixLengthMax, 'overlay prefixLength');
  assert(config.vtepSubnet !== undefined, 'overlay subnet without vtepSubnet');
  const vtep = mustParse(config.vtepSubnet, 'ipv4');
  assert(vtep.prefix <= 30, 'overlay vtepSubnet leaves no VTEP addresses');
  return { net, prefix, bits: prefix - net.prefix, vtep };
}

function family6(config: OverlayConfig): Family {
  const net = mustParse(config.subnet6!, 'ipv6');
  const prefix = config.prefixLength6;
  assert(prefix !== undefined && prefix > net.prefix && prefix <= prefixLength6Max, 'overlay prefixLength6');
  // An IPv6-only overlay's records carry the VTEP IPv6: it needs somewhere to take it from.
  assert(
    config.vtepSubnet6 !== undefined || config.subnet !== undefined,
    'IPv6-only overlay without vtepSubnet6',
  );
  const vtep = config.vtepSubnet6 === undefined ? undefined : mustParse(config.vtepSubnet6, 'ipv6');
  assert(vtep === undefined || vtep.prefix <= 127, 'overlay vtepSubnet6 leaves no VTEP address');
  return { net, prefix, bits: prefix - net.prefix, vtep };
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
