import { readFile } from 'node:fs/promises';
import { isIPv6 } from 'node:net';
import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';
import { isUnicastUnderlay } from '@trellis/routes';
import { TrellisError } from '@trellis/runtime';

export interface Underlay {
  readonly ip: string;
  readonly interface: string | undefined;
  readonly mtu: number;
}

export class UnderlayError extends TrellisError {
  override readonly name = 'UnderlayError';
  readonly code = 'ERR_TRELLIS_UNDERLAY';
}

/** IPv4 as written (it is checked dotted quad), IPv6 in its RFC 5952 text. */
export function canonicalIp(ip: string): string {
  return isIPv6(ip) ? ipaddr.IPv6.parse(ip).toRFC5952String() : ip;
}

/** A global unicast IPv6 address, one a VXLAN underlay can use (not link-local, loopback or mapped). */
const isGlobal6 = (ip: string): boolean => isUnicastUnderlay(ip, false) && isIPv6(ip);

/**
 * Resolves the configured underlay to an address and the MTU of its interface, in the network
 * namespace the agent runs in: an interface's first IPv4 address, else its first global IPv6 one.
 */
export async function resolveUnderlay(
  spec: { readonly ip: string } | { readonly interface: string },
  mtuOverride: number | undefined,
): Promise<Underlay> {
  const ifaces = networkInterfaces();
  let name: string | undefined;
  let ip: string | undefined;
  if ('ip' in spec) {
    ip = spec.ip;
    name = Object.entries(ifaces).find(([, addrs]) =>
      addrs?.some((a) => !a.address.includes('%') && canonicalIp(a.address) === spec.ip),
    )?.[0];
    if (name === undefined)
      throw new UnderlayError(`underlay ip ${spec.ip} is not assigned to any interface here`);
  } else {
    name = spec.interface;
    const addrs = ifaces[name];
    if (addrs === undefined) throw new UnderlayError(`underlay interface ${name} does not exist here`);
    ip = addrs.find((a) => a.family === 'IPv4')?.address;
    ip ??= addrs.map((a) => a.address).find(isGlobal6);
    if (ip === undefined)
      throw new UnderlayError(`underlay interface ${name} has no IPv4 address and no global IPv6 one`);
    ip = canonicalIp(ip);
  }
  const mtu = mtuOverride ?? (await readMtu(name));
  return { ip, interface: name, mtu };
}

async function readMtu(name: string): Promise<number> {
  try {
    const n = Number((await readFile(`/sys/class/net/${name}/mtu`, 'utf8')).trim());
    return Number.isInteger(n) && n >= 1280 ? n : 1500;
  } catch {
    return 1500; // sysfs not mounted for this namespace: assume Ethernet
  }
}
