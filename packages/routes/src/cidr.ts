import ipaddr from 'ipaddr.js';

/** CIDR arithmetic of overlays and the container allocator (not exported from the package). */

export type IpKind = 'ipv4' | 'ipv6';

/** A network as an integer, so slice and host math is exact for 128-bit IPv6 too. */
export interface Cidr {
  readonly kind: IpKind;
  /** The network address. */
  readonly base: bigint;
  readonly prefix: number;
  readonly bits: 32 | 128;
}

/**
 * Parses a CIDR of the given kind that must be a network address. Returns the reason as a
 * string instead of throwing, so config parsing can collect it as one problem among many.
 * IPv4 must be four-part decimal: ipaddr.js would otherwise read `011.0.0.0` as octal.
 */
export function parseCidr(text: string, kind: IpKind): Cidr | string {
  const v4 = kind === 'ipv4';
  const valid = v4 ? ipaddr.IPv4.isValidCIDRFourPartDecimal(text) : ipaddr.IPv6.isValidCIDR(text);
  if (!valid) {
    return `must be an ${v4 ? 'IPv4' : 'IPv6'} CIDR such as ${v4 ? '9.0.0.0/8' : 'fd01:b::/64'}, got ${JSON.stringify(text)}`;
  }
  const [address, prefix] = ipaddr.parseCIDR(text);
  if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).zoneId !== undefined) {
    return `must not carry a zone id, got ${JSON.stringify(text)}`;
  }
  const network = v4 ? ipaddr.IPv4.networkAddressFromCIDR(text) : ipaddr.IPv6.networkAddressFromCIDR(text);
  const base = addressToBigInt(network);
  if (base !== addressToBigInt(address)) {
    return `${text} is not a network address (host bits are set); did you mean ${formatCidr(base, prefix, kind)}?`;
  }
  return { kind, base, prefix, bits: v4 ? 32 : 128 };
}

/** An address of the given kind as an integer, or undefined if `text` is not one (zones refused). */
export function parseAddress(text: string, kind: IpKind): bigint | undefined {
  if (kind === 'ipv4')
    return ipaddr.IPv4.isValidFourPartDecimal(text) ? addressToBigInt(ipaddr.IPv4.parse(text)) : undefined;
  if (!ipaddr.IPv6.isValid(text) || text.includes('%')) return undefined;
  return addressToBigInt(ipaddr.IPv6.parse(text));
}

export function addressToBigInt(address: ipaddr.IPv4 | ipaddr.IPv6): bigint {
  let value = 0n;
  for (const byte of address.toByteArray()) value = (value << 8n) | BigInt(byte);
  return value;
}

/** Canonical text: dotted quad, or RFC 5952 for IPv6 so equal addresses compare equal as strings. */
export function formatAddress(value: bigint, kind: IpKind): string {
  const bytes: number[] = [];
  for (let i = kind === 'ipv4' ? 4 : 16; i > 0; i--) {
    bytes.unshift(Number(value & 0xffn));
    value >>= 8n;
  }
  const address = ipaddr.fromByteArray(bytes);
  return address.kind() === 'ipv6' ? (address as ipaddr.IPv6).toRFC5952String() : address.toString();
}

export function formatCidr(base: bigint, prefix: number, kind: IpKind): string {
  return `${formatAddress(base, kind)}/${prefix}`;
}

export function contains(net: Cidr, address: bigint): boolean {
  const hostBits = BigInt(net.bits - net.prefix);
  return address >> hostBits === net.base >> hostBits;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.kind === b.kind && (contains(a, b.base) || contains(b, a.base));
}
