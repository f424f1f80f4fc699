/** Reads back from the kernel only the objects the agent owns (see kernel-model.ts). */
import {
  trellisRouteProtocol,
  type BridgeSpec,
  type FdbSpec,
  type KernelState,
  type NeighborSpec,
  type RouteSpec,
  type VtepSpec,
} from '../kernel-model.js';
import { NetlinkRequestError } from './errors.js';
import { addressText, dumpAddrs } from './link-address.js';
import type { RtnlChannel } from './rtnl-channel.js';
import {
  AF_BRIDGE,
  AF_INET,
  AF_INET6,
  IFF_UP,
  NTF_SELF,
  NUD_PERMANENT,
  RT_TABLE_MAIN,
  cstr,
  decodeAttrs,
  decodeIfInfo,
  decodeNd,
  decodeRt,
  encodeIfInfo,
  encodeNd,
  encodeRt,
  ifla,
  iflaInfo,
  iflaVxlan,
  ipString,
  macString,
  nda,
  readCstr,
  rta,
  rtm,
} from './rtnl-codec.js';

export interface LinkInfo {
  readonly index: number;
  readonly name: string;
  readonly kind: string | undefined;
  readonly mtu: number;
  readonly mac: string;
  readonly up: boolean;
  readonly vxlan: { vni: number; port: number; localIp: string | undefined; learning: boolean } | undefined;
}

export function parseLink(data: Buffer): LinkInfo {
  const { hdr, attrs } = decodeIfInfo(data);
  const info = attrs.get(ifla.LINKINFO);
  const infoAttrs = info === undefined ? undefined : decodeAttrs(info);
  const kindBuf = infoAttrs?.get(iflaInfo.KIND);
  const kind = kindBuf === undefined ? undefined : readCstr(kindBuf);
  const vx = kind === 'vxlan' ? infoAttrs?.get(iflaInfo.DATA) : undefined;
  const vxAttrs = vx === undefined ? undefined : decodeAttrs(vx);
  const local = vxAttrs?.get(iflaVxlan.LOCAL) ?? vxAttrs?.get(iflaVxlan.LOCAL6);
  const mtu = attrs.get(ifla.MTU);
  const mac = attrs.get(ifla.ADDRESS);
  return {
    index: hdr.index,
    name: readCstr(attrs.get(ifla.IFNAME) ?? Buffer.alloc(0)),
    kind,
    mtu: mtu === undefined ? 0 : mtu.readUInt32LE(0),
    mac: mac === undefined ? '' : macString(mac),
    up: (hdr.flags & IFF_UP) !== 0,
    vxlan:
      vxAttrs === undefined
        ? undefined
        : {
            vni: vxAttrs.get(iflaVxlan.ID)?.readUInt32LE(0) ?? 0,
            // Big-endian on the wire, unlike the other integers.
            port: vxAttrs.get(iflaVxlan.PORT)?.readUInt16BE(0) ?? 0,
            localIp: local === undefined ? undefined : ipString(local),
            learning: (vxAttrs.get(iflaVxlan.LEARNING)?.readUInt8(0) ?? 1) !== 0,
          },
  };
}

const isMissing = (e: unknown): boolean =>
  e instanceof NetlinkRequestError && (e.errnoCode === 'ENODEV' || e.errnoCode === 'ENOENT');

/** RTM_GETLINK by name (no dump); undefined when there is no such link. */
export async function getLinkByName(ch: RtnlChannel, name: string): Promise<LinkInfo | undefined> {
  try {
    const parts = await ch.request(
      `get link ${name}`,
      rtm.GETLINK,
      0,
      encodeIfInfo({}, [{ type: ifla.IFNAME, data: cstr(name) }]),
    );
    const first = parts.find((p) => p.type === rtm.NEWLINK);
    return first === undefined ? undefined : parseLink(first.data);
  } catch (e) {
    if (isMissing(e)) return undefined;
    throw e;
  }
}

export async function dumpLinks(ch: RtnlChannel): Promise<LinkInfo[]> {
  const parts = await ch.dump('links', rtm.GETLINK, encodeIfInfo({}, []));
  return parts.filter((p) => p.type === rtm.NEWLINK).map((p) => parseLink(p.data));
}

export interface OurDevNames {
  readonly vteps: readonly string[];
  readonly bridges: readonly string[];
}

const defaultVtep = (name: string): boolean => /^vtep\d+$/.test(name);
const defaultBridge = (name: string): boolean => /^[md]-/.test(name);

export async function observeState(ch: RtnlChannel, devNames?: OurDevNames): Promise<KernelState> {
  const isVtep = devNames ? (n: string) => devNames.vteps.includes(n) : defaultVtep;
  const isBridge = devNames ? (n: string) => devNames.bridges.includes(n) : defaultBridge;
  const links = await dumpLinks(ch);
  const addrs = await dumpAddrs(ch);
  const byIndex = new Map(links.map((l) => [l.index, l]));
  // Addresses as the specs hold them: the IPv4 one ('' when missing) and the IPv6 one only if
  // there is one, so an IPv4-only link reads back equal to its spec.
  const addressesOf = (index: number): { address?: string; address6?: string } => {
    const address = addressText(addrs, index, AF_INET);
    const address6 = addressText(addrs, index, AF_INET6);
    return {
      ...(address === undefined ? {} : { address }),
      ...(address6 === undefined ? {} : { address6 }),
    };
  };
  const vtepLinks = links.filter((l) => l.kind === 'vxlan' && isVtep(l.name));
  const vteps: VtepSpec[] = vtepLinks.map((l) => ({
    name: l.name,
    vni: l.vxlan?.vni ?? 0,
    port: l.vxlan?.port ?? 0,
    localIp: l.vxlan?.localIp ?? '',
    mtu: l.mtu,
    mac: l.mac,
    ...addressesOf(l.index),
  }));
  const bridges: BridgeSpec[] = links
    .filter((l) => l.kind === 'bridge' && isBridge(l.name))
    .map((l) => ({ name: l.name, ...addressesOf(l.index), mtu: l.mtu }));
  const vtepIndex = new Map(vtepLinks.map((l) => [l.index, l.name]));
  const neighbors = await dumpNeighbors(ch, vtepIndex);
  const fdb = await dumpFdb(ch, vtepIndex);
  const routes = await dumpRoutes(ch, (i) => byIndex.get(i)?.name ?? `if${i}`);
  return { vteps, bridges, neighbors, fdb, routes };
}

/** Permanent neighbors of both families on our VTEPs (the kernel's own IPv6 ones are not permanent). */
async function dumpNeighbors(ch: RtnlChannel, vteps: ReadonlyMap<number, string>): Promise<NeighborSpec[]> {
  const out: NeighborSpec[] = [];
  for (const family of [AF_INET, AF_INET6]) {
    const parts = await ch.dump(
      family === AF_INET ? 'neighbors' : 'IPv6 neighbors',
      rtm.GETNEIGH,
      encodeNd({ family, index: 0, state: 0, flags: 0 }, []),
    );
    for (const p of parts) {
      if (p.type !== rtm.NEWNEIGH) continue;
      const { hdr, attrs } = decodeNd(p.data);
      const dev = vteps.get(hdr.index);
      const ip = attrs.get(nda.DST);
      const mac = attrs.get(nda.LLADDR);
      if (dev === undefined || hdr.family !== family || !(hdr.state & NUD_PERMANENT)) continue;
      if (ip?.length !== (family === AF_INET ? 4 : 16) || mac === undefined) continue;
      out.push({ dev, ip: ipString(ip), mac: macString(mac) });
    }
  }
  return out;
}

async function dumpFdb(ch: RtnlChannel, vteps: ReadonlyMap<number, string>): Promise<FdbSpec[]> {
  const parts = await ch.dump(
    'fdb',
    rtm.GETNEIGH,
    encodeNd({ family: AF_BRIDGE, index: 0, state: 0, flags: 0 }, []),
  );
  const out: FdbSpec[] = [];
  for (const p of parts) {
    if (p.type !== rtm.NEWNEIGH) continue;
    const { hdr, attrs } = decodeNd(p.data);
    const dev = vteps.get(hdr.index);
    const mac = attrs.get(nda.LLADDR);
    const dst = attrs.get(nda.DST);
    if (dev === undefined || !(hdr.flags & NTF_SELF) || !(hdr.state & NUD_PERMANENT)) continue;
    // The all-zero MAC is the kernel's default/multicast destination, not one of our entries.
    if (mac === undefined || (dst?.length !== 4 && dst?.length !== 16) || mac.every((b) => b === 0)) continue;
    out.push({ dev, mac: macString(mac), dst: ipString(dst) });
  }
  return out;
}

/** Routes of both families with our protocol in the main table, in the shape we write. */
async function dumpRoutes(ch: RtnlChannel, nameOf: (index: number) => string): Promise<RouteSpec[]> {
  const out: RouteSpec[] = [];
  for (const family of [AF_INET, AF_INET6]) {
    const parts = await ch.dump(
      family === AF_INET ? 'routes' : 'IPv6 routes',
      rtm.GETROUTE,
      encodeRt({ family, dstLen: 0, table: 0, protocol: 0, scope: 0, type: 0, flags: 0 }, []),
    );
    for (const p of parts) {
      if (p.type !== rtm.NEWROUTE) continue;
      const { hdr, attrs } = decodeRt(p.data);
      const table = attrs.get(rta.TABLE)?.readUInt32LE(0) ?? hdr.table;
      if (hdr.family !== family || hdr.protocol !== trellisRouteProtocol) continue;
      if (table !== RT_TABLE_MAIN) continue;
      const dst = attrs.get(rta.DST);
      const gw = attrs.get(rta.GATEWAY);
      const oif = attrs.get(rta.OIF);
      if (gw === undefined || oif === undefined) continue; // not a shape we write
      const any = family === AF_INET ? '0.0.0.0' : '::';
      out.push({
        dst: `${dst === undefined ? any : ipString(dst)}/${hdr.dstLen}`,
        gateway: ipString(gw),
        dev: nameOf(oif.readUInt32LE(0)),
      });
    }
  }
  return out;
}
