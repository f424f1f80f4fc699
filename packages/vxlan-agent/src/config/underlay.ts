import { readFile } from 'node:fs/promises';
import { networkInterfaces } from 'node:os';
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

/**
 * Resolves the configured underlay to an IPv4 address and the MTU of its interface, in the
 * network namespace the agent runs in.
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
    name = Object.entries(ifaces).find(([, addrs]) => addrs?.some((a) => a.address === spec.ip))?.[0];
    if (name === undefined)
      throw new UnderlayError(`underlay ip ${spec.ip} is not assigned to any interface here`);
  } else {
    name = spec.interface;
    const addrs = ifaces[name];
    if (addrs === undefined) throw new UnderlayError(`underlay interface ${name} does not exist here`);
    ip = addrs.find((a) => a.family === 'IPv4')?.address;
    if (ip === undefined) throw new UnderlayError(`underlay interface ${name} has no IPv4 address`);
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
