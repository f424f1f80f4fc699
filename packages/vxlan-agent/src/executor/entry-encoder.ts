/**
 * The entry messages of entry-messages.ts (neighbor, FDB entry, route; put or delete), written
 * with their netlink header straight into one batch buffer: no Buffer per attribute or message.
 * The bytes are exactly those of entry-messages.ts (a test compares them). Canonical text is
 * parsed here; anything else goes through the codec's own parsers, so odd input is accepted or
 * rejected with the same TypeError as before.
 */
import { trellisRouteProtocol, type FdbSpec, type NeighborSpec, type RouteSpec } from '../kernel-model.js';
import {
  AF_BRIDGE,
  AF_INET,
  NTF_SELF,
  NUD_PERMANENT,
  RTNH_F_ONLINK,
  RTN_UNICAST,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_MAIN,
  familyOf,
  ipBytes,
  macBytes,
  nda,
  nlmF,
  parsePrefix,
  rta,
  rtm,
} from './rtnl-codec.js';
import { setU16, setU32, zero } from './le-bytes.js';

/** The largest entry message: header, rtmsg, IPv6 DST and GATEWAY, TABLE, OIF. */
export const maxEntryMessageBytes = 16 + 12 + 20 + 8 + 20 + 8;

const CREATE_REPLACE = nlmF.CREATE | nlmF.REPLACE;

/** Dotted quad of plain decimal octets into buf at off; false (nothing written) for anything else. */
function fastIpv4(buf: Buffer, off: number, s: string): boolean {
  let part = 0;
  let digits = 0;
  let k = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      if (++digits > 3 || part > 255) return false;
    } else if (c === 46 && digits > 0 && k < 3) {
      buf[off + k++] = part;
      part = 0;
      digits = 0;
    } else return false;
  }
  if (digits === 0 || k !== 3) return false;
  buf[off + 3] = part;
  return true;
}

/** The address bytes of `ip` at off (4 or 16, as ipBytes); returns their length. */
function writeIp(buf: Buffer, off: number, ip: string): number {
  if (familyOf(ip) === AF_INET && fastIpv4(buf, off, ip)) return 4;
  return ipBytes(ip).copy(buf, off);
}

const hexValue = (c: number): number =>
  c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : c >= 65 && c <= 70 ? c - 55 : -1;

function writeMac(buf: Buffer, off: number, mac: string): void {
  if (mac.length === 17) {
    let ok = true;
    for (let k = 0; k < 6 && ok; k++) {
      const hi = hexValue(mac.charCodeAt(3 * k));
      const lo = hexValue(mac.charCodeAt(3 * k + 1));
      ok = hi >= 0 && lo >= 0 && (k === 5 || mac.charCodeAt(3 * k + 2) === 58);
      buf[off + k] = (hi << 4) | lo;
    }
    if (ok) return;
  }
  macBytes(mac).copy(buf, off);
}

/** The header of an attribute whose `len` payload bytes are written at off + 4; returns its padded end. */
function attrHeader(buf: Buffer, off: number, type: number, len: number): number {
  setU16(buf, off, 4 + len);
  setU16(buf, off + 2, type);
  const end = off + 4 + len;
  const padded = (end + 3) & ~3;
  zero(buf, end, padded);
  return padded;
}

const ipAttr = (buf: Buffer, off: number, type: number, ip: string): number =>
  attrHeader(buf, off, type, writeIp(buf, off + 4, ip));

function macAttr(buf: Buffer, off: number, type: number, mac: string): number {
  writeMac(buf, off + 4, mac);
  return attrHeader(buf, off, type, 6);
}

function u32Attr(buf: Buffer, off: number, type: number, v: number): number {
  setU32(buf, off + 4, v);
  return attrHeader(buf, off, type, 4);
}

/**
 * Netlink header at `start`, without NLM_F_ACK (the channel sets it on a batch's last request,
 * and fills in seq and port); returns the message end.
 */
function header(buf: Buffer, start: number, end: number, type: number, flags: number): number {
  setU32(buf, start, end - start);
  setU16(buf, start + 4, type);
  setU16(buf, start + 6, flags | nlmF.REQUEST);
  zero(buf, start + 8, start + 16);
  return end;
}

/** struct ndmsg at off. */
function nd(buf: Buffer, off: number, family: number, index: number, state: number, flags: number): number {
  zero(buf, off, off + 12);
  buf[off] = family;
  setU32(buf, off + 4, index);
  setU16(buf, off + 8, state);
  buf[off + 10] = flags;
  return off + 12;
}

/** A neighbor put (with mac) or delete at `start`; returns the end of the message. */
export function encodeNeighbor(
  buf: Buffer,
  start: number,
  index: number,
  s: NeighborSpec,
  put: boolean,
): number {
  const family = familyOf(s.ip);
  let off = nd(buf, start + 16, family, index, put ? NUD_PERMANENT : 0, 0);
  off = ipAttr(buf, off, nda.DST, s.ip);
  if (put) off = macAttr(buf, off, nda.LLADDR, s.mac);
  return header(buf, start, off, put ? rtm.NEWNEIGH : rtm.DELNEIGH, put ? CREATE_REPLACE : 0);
}

/** A `self` FDB entry put or delete at `start`. */
export function encodeFdb(buf: Buffer, start: number, index: number, s: FdbSpec, put: boolean): number {
  let off = nd(buf, start + 16, AF_BRIDGE, index, put ? NUD_PERMANENT : 0, NTF_SELF);
  off = macAttr(buf, off, nda.LLADDR, s.mac);
  off = ipAttr(buf, off, nda.DST, s.dst);
  return header(buf, start, off, put ? rtm.NEWNEIGH : rtm.DELNEIGH, put ? CREATE_REPLACE : 0);
}

/** `a.b.c.d/n` fast, else parsePrefix (its TypeError for a bad prefix). */
function prefixOf(cidr: string): { ip: string; len: number; family: number } {
  const slash = cidr.indexOf('/');
  const len = slash < 0 ? NaN : Number(cidr.slice(slash + 1));
  if (slash > 0 && Number.isInteger(len) && len >= 0 && len <= 32 && !cidr.includes(':'))
    return { ip: cidr.slice(0, slash), len, family: AF_INET };
  return parsePrefix(cidr);
}

/** A route put (with `index`, via its gateway, onlink) or delete (index undefined) at `start`. */
export function encodeRoute(buf: Buffer, start: number, s: RouteSpec, index: number | undefined): number {
  const dst = prefixOf(s.dst);
  const put = index !== undefined;
  if (put && familyOf(s.gateway) !== dst.family)
    throw new TypeError(`route ${s.dst}: gateway ${s.gateway} is of the other family`);
  const r = start + 16;
  zero(buf, r, r + 12);
  buf[r] = dst.family;
  buf[r + 1] = dst.len;
  buf[r + 4] = RT_TABLE_MAIN;
  buf[r + 5] = trellisRouteProtocol;
  buf[r + 6] = RT_SCOPE_UNIVERSE;
  buf[r + 7] = RTN_UNICAST;
  setU32(buf, r + 8, put ? RTNH_F_ONLINK : 0);
  let off = ipAttr(buf, r + 12, rta.DST, dst.ip);
  off = u32Attr(buf, off, rta.TABLE, RT_TABLE_MAIN);
  if (put) {
    off = ipAttr(buf, off, rta.GATEWAY, s.gateway);
    off = u32Attr(buf, off, rta.OIF, index);
  }
  return header(buf, start, off, put ? rtm.NEWROUTE : rtm.DELROUTE, put ? CREATE_REPLACE : 0);
}
