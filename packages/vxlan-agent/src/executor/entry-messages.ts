/**
 * The rtnetlink messages for the entries on our VTEPs (neighbors, FDB entries, routes), for
 * either family: the family follows from the address, so an IPv6 neighbor or route is the IPv4
 * message with AF_INET6 and 16-byte addresses, and an FDB entry's `dst` may be either.
 */
import { trellisRouteProtocol, type FdbSpec } from '../kernel-model.js';
import {
  AF_BRIDGE,
  NTF_SELF,
  RTNH_F_ONLINK,
  RTN_UNICAST,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_MAIN,
  encodeNd,
  encodeRt,
  familyOf,
  ipBytes,
  macBytes,
  nda,
  parsePrefix,
  rta,
  u32,
  type Attr,
} from './rtnl-codec.js';

/** A neighbor on `index`; with `mac`, the entry to put, else the key to delete. */
export function neighborMessage(index: number, ip: string, state: number, mac?: string): Buffer {
  const attrs: Attr[] = [{ type: nda.DST, data: ipBytes(ip) }];
  if (mac !== undefined) attrs.push({ type: nda.LLADDR, data: macBytes(mac) });
  return encodeNd({ family: familyOf(ip), index, state, flags: 0 }, attrs);
}

/** A `self` FDB entry of the VTEP `index`: its MAC -> the remote's underlay IP. */
export function fdbMessage(index: number, s: FdbSpec, state: number): Buffer {
  return encodeNd({ family: AF_BRIDGE, index, state, flags: NTF_SELF }, [
    { type: nda.LLADDR, data: macBytes(s.mac) },
    { type: nda.DST, data: ipBytes(s.dst) },
  ]);
}

/** Without `via` (gateway and device), the message matches any route of ours to `dstPrefix`. */
export function routeMessage(dstPrefix: string, via?: { gateway: string; index: number }): Buffer {
  const dst = parsePrefix(dstPrefix);
  const attrs: Attr[] = [
    { type: rta.DST, data: ipBytes(dst.ip) },
    { type: rta.TABLE, data: u32(RT_TABLE_MAIN) },
  ];
  if (via !== undefined) {
    if (familyOf(via.gateway) !== dst.family)
      throw new TypeError(`route ${dstPrefix}: gateway ${via.gateway} is of the other family`);
    attrs.push({ type: rta.GATEWAY, data: ipBytes(via.gateway) });
    attrs.push({ type: rta.OIF, data: u32(via.index) });
  }
  return encodeRt(
    {
      family: dst.family,
      dstLen: dst.len,
      table: RT_TABLE_MAIN,
      protocol: trellisRouteProtocol,
      scope: RT_SCOPE_UNIVERSE,
      type: RTN_UNICAST,
      flags: via === undefined ? 0 : RTNH_F_ONLINK,
    },
    attrs,
  );
}
