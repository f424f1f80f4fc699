/** The addresses of our links: exactly one IPv4 and, on a dual-stack overlay, one IPv6 each. */
import { NetlinkRequestError } from './errors.js';
import type { RtnlChannel } from './rtnl-channel.js';
import {
  AF_INET,
  AF_INET6,
  IFA_F_NODAD,
  RT_SCOPE_UNIVERSE,
  decodeIfAddr,
  encodeIfAddr,
  ifa,
  ipBytes,
  ipString,
  nlmF,
  parsePrefix,
  rtm,
  u32,
} from './rtnl-codec.js';

export interface IfAddress {
  readonly family: number;
  readonly index: number;
  readonly ip: string;
  readonly prefixLen: number;
}

/**
 * Every IPv4 address, and every global-scope IPv6 address: the kernel gives each IPv6 link a
 * link-local fe80:: address of its own, which is neither ours to keep nor ours to remove.
 */
export async function dumpAddrs(ch: RtnlChannel): Promise<IfAddress[]> {
  const out: IfAddress[] = [];
  for (const family of [AF_INET, AF_INET6]) {
    const what = family === AF_INET ? 'addresses' : 'IPv6 addresses';
    const parts = await ch.dump(what, rtm.GETADDR, encodeIfAddr({ family, prefixLen: 0, index: 0 }, []));
    for (const p of parts) {
      if (p.type !== rtm.NEWADDR) continue;
      const { hdr, attrs } = decodeIfAddr(p.data);
      const ip = attrs.get(ifa.LOCAL) ?? attrs.get(ifa.ADDRESS);
      if (hdr.family !== family || ip === undefined) continue;
      if (family === AF_INET6 && hdr.scope !== RT_SCOPE_UNIVERSE) continue;
      out.push({ family, index: hdr.index, ip: ipString(ip), prefixLen: hdr.prefixLen });
    }
  }
  return out;
}

/** The address of `family` on link `index` as `ip/len`; several (a stale one too) joined by commas. */
export function addressText(addrs: readonly IfAddress[], index: number, family: number): string | undefined {
  const mine = addrs
    .filter((a) => a.index === index && a.family === family)
    .map((a) => `${a.ip}/${a.prefixLen}`);
  return mine.length === 0 ? undefined : mine.sort().join(',');
}

/** Makes `address` (IPv4, or none) and `address6` (IPv6, or none) the only addresses of ours on the link. */
export async function syncAddresses(
  ch: RtnlChannel,
  name: string,
  index: number,
  address: string | undefined,
  address6: string | undefined,
): Promise<void> {
  const addrs = (await dumpAddrs(ch)).filter((a) => a.index === index);
  await syncFamily(ch, name, index, AF_INET, address, addrs);
  await syncFamily(ch, name, index, AF_INET6, address6, addrs);
}

async function syncFamily(
  ch: RtnlChannel,
  name: string,
  index: number,
  family: number,
  address: string | undefined,
  addrs: readonly IfAddress[],
): Promise<void> {
  const want = address === undefined ? undefined : parsePrefix(address);
  // The link is ours, so any other address of the family on it is a stale one of ours. Removed
  // first: deleting a primary IPv4 address also deletes the secondaries of its subnet, which
  // the new address would be if it were added before.
  const stale = addrs.filter(
    (a) => a.family === family && (want === undefined || a.ip !== want.ip || a.prefixLen !== want.len),
  );
  for (const a of stale) {
    await ignoreGone(
      ch.request(
        `delete address ${a.ip}/${a.prefixLen} on ${name}`,
        rtm.DELADDR,
        0,
        encodeIfAddr({ family, prefixLen: a.prefixLen, index }, [{ type: ifa.LOCAL, data: ipBytes(a.ip) }]),
      ),
    );
  }
  if (want === undefined) return;
  // IPv6 addresses would sit `tentative` (unusable) through duplicate address detection; ours
  // are unique by construction (derived from a slice only one agent holds).
  const flags = family === AF_INET6 ? IFA_F_NODAD : 0;
  await ch.request(
    `address ${address!} on ${name}`,
    rtm.NEWADDR,
    nlmF.CREATE | nlmF.REPLACE,
    encodeIfAddr({ family, prefixLen: want.len, index, flags }, [
      { type: ifa.LOCAL, data: ipBytes(want.ip) },
      { type: ifa.ADDRESS, data: ipBytes(want.ip) },
      ...(flags === 0 ? [] : [{ type: ifa.FLAGS, data: u32(flags) }]),
    ]),
  );
}

async function ignoreGone(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (e instanceof NetlinkRequestError && e.errnoCode === 'EADDRNOTAVAIL') return;
    throw e;
  }
}
