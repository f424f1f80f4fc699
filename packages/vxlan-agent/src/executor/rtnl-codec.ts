/**
 * Byte layout of the rtnetlink messages the executor sends and reads. The `netlink` package's
 * typed structs cover most of this, but they model nested link info and flag words loosely;
 * the handful of fixed headers we need are clearer written out against the kernel's uapi.
 */
import ipaddr from 'ipaddr.js';

export const rtm = {
  NEWLINK: 16,
  DELLINK: 17,
  GETLINK: 18,
  SETLINK: 19,
  NEWADDR: 20,
  DELADDR: 21,
  GETADDR: 22,
  NEWROUTE: 24,
  DELROUTE: 25,
  GETROUTE: 26,
  NEWNEIGH: 28,
  DELNEIGH: 29,
  GETNEIGH: 30,
} as const;

export const nlmF = {
  REQUEST: 0x1,
  MULTI: 0x2,
  ACK: 0x4,
  DUMP_INTR: 0x10,
  REPLACE: 0x100,
  CREATE: 0x400,
  DUMP: 0x300,
} as const;

export const nlmsgType = { ERROR: 2, DONE: 3, OVERRUN: 4 } as const;

export const AF_INET = 2;
export const AF_BRIDGE = 7;
export const AF_INET6 = 10;
export const IFF_UP = 0x1;
export const ifla = { ADDRESS: 1, IFNAME: 3, MTU: 4, LINKINFO: 18 } as const;
export const iflaInfo = { KIND: 1, DATA: 2 } as const;
export const iflaVxlan = { ID: 1, LOCAL: 4, LEARNING: 7, PORT: 15, LOCAL6: 17 } as const;
export const ifa = { ADDRESS: 1, LOCAL: 2, FLAGS: 8 } as const;
/** No duplicate address detection: the address is usable at once, never `tentative`. */
export const IFA_F_NODAD = 0x02;
export const nda = { DST: 1, LLADDR: 2 } as const;
export const NUD_PERMANENT = 0x80;
export const NTF_SELF = 0x02;
export const rta = { DST: 1, OIF: 4, GATEWAY: 5, TABLE: 15 } as const;
export const RT_TABLE_MAIN = 254;
export const RTN_UNICAST = 1;
export const RT_SCOPE_UNIVERSE = 0;
export const RTNH_F_ONLINK = 0x4;

/** One netlink attribute: type and payload (nested attributes are payloads of encoded attrs). */
export interface Attr {
  readonly type: number;
  readonly data: Buffer;
}

export function encodeAttrs(attrs: readonly Attr[]): Buffer {
  const parts: Buffer[] = [];
  for (const a of attrs) {
    const header = Buffer.alloc(4);
    header.writeUInt16LE(4 + a.data.length, 0);
    header.writeUInt16LE(a.type, 2);
    parts.push(header, a.data, Buffer.alloc((4 - (a.data.length % 4)) % 4));
  }
  return Buffer.concat(parts);
}

/** Attributes by type (the last one wins, as in the kernel's nla_parse). */
export function decodeAttrs(buf: Buffer): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  let off = 0;
  while (off + 4 <= buf.length) {
    const len = buf.readUInt16LE(off);
    if (len < 4 || off + len > buf.length) break;
    out.set(buf.readUInt16LE(off + 2) & 0x3fff, buf.subarray(off + 4, off + len));
    off += (len + 3) & ~3;
  }
  return out;
}

export const u8 = (v: number): Buffer => Buffer.from([v]);
export function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v, 0);
  return b;
}
/** IFLA_VXLAN_PORT and NDA_PORT are network byte order, unlike every other integer here. */
export function be16(v: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(v, 0);
  return b;
}
export const cstr = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf8');
export const readCstr = (b: Buffer): string => b.toString('utf8').replace(/\0.*$/s, '');

export function ipv4Bytes(ip: string): Buffer {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) {
    throw new TypeError(`not an IPv4 address: ${ip}`);
  }
  return Buffer.from(parts);
}
export const ipv4String = (b: Buffer): string => [...b.subarray(0, 4)].join('.');

/** The address family of an IP text: AF_INET6 for anything with a colon. */
export const familyOf = (ip: string): number => (ip.includes(':') ? AF_INET6 : AF_INET);

/** 4 bytes for IPv4, 16 for IPv6 (no zone: our addresses never carry one). */
export function ipBytes(ip: string): Buffer {
  if (familyOf(ip) === AF_INET) return ipv4Bytes(ip);
  if (!ipaddr.IPv6.isValid(ip) || ip.includes('%')) throw new TypeError(`not an IPv6 address: ${ip}`);
  return Buffer.from(ipaddr.IPv6.parse(ip).toByteArray());
}

/** An address attribute as text: dotted quad, or IPv6 in RFC 5952 form as the planner writes it. */
export function ipString(b: Buffer): string {
  if (b.length < 16) return ipv4String(b);
  // Sixteen bytes always make an IPv6 address.
  return (ipaddr.fromByteArray([...b.subarray(0, 16)]) as ipaddr.IPv6).toRFC5952String();
}

export function macBytes(mac: string): Buffer {
  const parts = mac.split(':').map((p) => parseInt(p, 16));
  if (parts.length !== 6 || parts.some((p) => Number.isNaN(p) || p < 0 || p > 255)) {
    throw new TypeError(`not a MAC address: ${mac}`);
  }
  return Buffer.from(parts);
}
export const macString = (b: Buffer): string => [...b].map((x) => x.toString(16).padStart(2, '0')).join(':');

/** `a.b.c.d/n` or `fd01:a::6/64` -> address, prefix length and family. */
export function parsePrefix(cidr: string): { ip: string; len: number; family: number } {
  const [ip, len] = cidr.split('/');
  const n = Number(len);
  const family = familyOf(ip ?? '');
  if (ip === undefined || !Number.isInteger(n) || n < 0 || n > (family === AF_INET ? 32 : 128)) {
    throw new TypeError(`not an IP prefix: ${cidr}`);
  }
  ipBytes(ip);
  return { ip, len: n, family };
}

/** struct ifinfomsg (16 bytes). */
export interface IfInfo {
  readonly family: number;
  readonly type: number;
  readonly index: number;
  readonly flags: number;
  readonly change: number;
}
export function encodeIfInfo(h: Partial<IfInfo>, attrs: readonly Attr[]): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt8(h.family ?? 0, 0);
  b.writeUInt16LE(h.type ?? 0, 2);
  b.writeInt32LE(h.index ?? 0, 4);
  b.writeUInt32LE(h.flags ?? 0, 8);
  b.writeUInt32LE(h.change ?? 0, 12);
  return Buffer.concat([b, encodeAttrs(attrs)]);
}
export function decodeIfInfo(d: Buffer): { hdr: IfInfo; attrs: Map<number, Buffer> } {
  const hdr = {
    family: d.readUInt8(0),
    type: d.readUInt16LE(2),
    index: d.readInt32LE(4),
    flags: d.readUInt32LE(8),
    change: d.readUInt32LE(12),
  };
  return { hdr, attrs: decodeAttrs(d.subarray(16)) };
}

/** struct ifaddrmsg (8 bytes). */
export interface IfAddr {
  readonly family: number;
  readonly prefixLen: number;
  readonly index: number;
  readonly flags?: number;
  readonly scope?: number;
}
export function encodeIfAddr(h: IfAddr, attrs: readonly Attr[]): Buffer {
  const b = Buffer.alloc(8);
  b.writeUInt8(h.family, 0);
  b.writeUInt8(h.prefixLen, 1);
  b.writeUInt8(h.flags ?? 0, 2);
  b.writeUInt8(h.scope ?? 0, 3);
  b.writeUInt32LE(h.index, 4);
  return Buffer.concat([b, encodeAttrs(attrs)]);
}
export function decodeIfAddr(d: Buffer): { hdr: Required<IfAddr>; attrs: Map<number, Buffer> } {
  const hdr = {
    family: d.readUInt8(0),
    prefixLen: d.readUInt8(1),
    flags: d.readUInt8(2),
    scope: d.readUInt8(3),
    index: d.readUInt32LE(4),
  };
  return { hdr, attrs: decodeAttrs(d.subarray(8)) };
}

/** struct ndmsg (12 bytes). */
export interface NdMsg {
  readonly family: number;
  readonly index: number;
  readonly state: number;
  readonly flags: number;
}
export function encodeNd(h: NdMsg, attrs: readonly Attr[]): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt8(h.family, 0);
  b.writeInt32LE(h.index, 4);
  b.writeUInt16LE(h.state, 8);
  b.writeUInt8(h.flags, 10);
  return Buffer.concat([b, encodeAttrs(attrs)]);
}
export function decodeNd(d: Buffer): { hdr: NdMsg; attrs: Map<number, Buffer> } {
  const hdr = {
    family: d.readUInt8(0),
    index: d.readInt32LE(4),
    state: d.readUInt16LE(8),
    flags: d.readUInt8(10),
  };
  return { hdr, attrs: decodeAttrs(d.subarray(12)) };
}

/** struct rtmsg (12 bytes). */
export interface RtMsg {
  readonly family: number;
  readonly dstLen: number;
  readonly table: number;
  readonly protocol: number;
  readonly scope: number;
  readonly type: number;
  readonly flags: number;
}
export function encodeRt(h: RtMsg, attrs: readonly Attr[]): Buffer {
  const b = Buffer.alloc(12);
  b.writeUInt8(h.family, 0);
  b.writeUInt8(h.dstLen, 1);
  b.writeUInt8(h.table, 4);
  b.writeUInt8(h.protocol, 5);
  b.writeUInt8(h.scope, 6);
  b.writeUInt8(h.type, 7);
  b.writeUInt32LE(h.flags, 8);
  return Buffer.concat([b, encodeAttrs(attrs)]);
}
export function decodeRt(d: Buffer): { hdr: RtMsg; attrs: Map<number, Buffer> } {
  const hdr = {
    family: d.readUInt8(0),
    dstLen: d.readUInt8(1),
    table: d.readUInt8(4),
    protocol: d.readUInt8(5),
    scope: d.readUInt8(6),
    type: d.readUInt8(7),
    flags: d.readUInt32LE(8),
  };
  return { hdr, attrs: decodeAttrs(d.subarray(12)) };
}
