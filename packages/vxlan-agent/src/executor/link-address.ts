/** Exactly one IPv4 address on a link of ours. */
import { NetlinkRequestError } from './errors.js';
import { dumpIpv4Addrs } from './kernel-reader.js';
import type { RtnlChannel } from './rtnl-channel.js';
import { AF_INET, encodeIfAddr, ifa, ipv4Bytes, nlmF, parsePrefix, rtm } from './rtnl-codec.js';

export async function syncIpv4Address(
  ch: RtnlChannel,
  name: string,
  index: number,
  address: string,
): Promise<void> {
  const want = parsePrefix(address);
  // The link is ours, so any other IPv4 address on it is a stale one of ours. Removed first:
  // deleting a primary address also deletes the secondaries of its subnet, which the new
  // address would be if it were added before.
  const stale = (await dumpIpv4Addrs(ch)).filter(
    (a) => a.index === index && (a.ip !== want.ip || a.prefixLen !== want.len),
  );
  for (const a of stale) {
    await ignoreGone(
      ch.request(
        `delete address ${a.ip}/${a.prefixLen} on ${name}`,
        rtm.DELADDR,
        0,
        encodeIfAddr({ family: AF_INET, prefixLen: a.prefixLen, index }, [
          { type: ifa.LOCAL, data: ipv4Bytes(a.ip) },
        ]),
      ),
    );
  }
  await ch.request(
    `address ${address} on ${name}`,
    rtm.NEWADDR,
    nlmF.CREATE | nlmF.REPLACE,
    encodeIfAddr({ family: AF_INET, prefixLen: want.len, index }, [
      { type: ifa.LOCAL, data: ipv4Bytes(want.ip) },
      { type: ifa.ADDRESS, data: ipv4Bytes(want.ip) },
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
