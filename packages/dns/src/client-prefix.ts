import ipaddr from 'ipaddr.js';

export interface PrefixLengths {
  readonly ipv4: number;
  readonly ipv6: number;
}

/**
 * The network a client address belongs to, as text (`127.0.1.0/24`, `fd00:0:0:100::/56`): rate
 * limits apply per prefix, not per address, because whoever spoofs sources (or owns a /64) picks
 * any address in it for free. An IPv4-mapped IPv6 address (a dual-stack socket's view of an IPv4
 * client) counts as the IPv4 address. Text that is not an address, which a socket never reports,
 * still gets a key: all such clients share one.
 */
export function clientPrefix(address: string, lengths: PrefixLengths): string {
  let ip: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    ip = ipaddr.process(address);
  } catch {
    return 'unparsed';
  }
  const bits = ip.kind() === 'ipv4' ? lengths.ipv4 : lengths.ipv6;
  const bytes = ip.toByteArray();
  for (let i = 0; i < bytes.length; i++) {
    const kept = Math.min(8, Math.max(0, bits - i * 8));
    bytes[i] = bytes[i]! & ((0xff << (8 - kept)) & 0xff);
  }
  return `${ipaddr.fromByteArray(bytes).toString()}/${bits}`;
}
