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
import type { RtnlChannel } from './rtnl-channel.js';
import {
  AF_BRIDGE,
  AF_INET,
  IFF_UP,
  NTF_SELF,
  NUD_PERMANENT,
  RT_TABLE_MAIN,
  cstr,
  decodeAttrs,
  decodeIfAddr,
  decodeIfInfo,
  decodeNd,
  decodeRt,
  encodeIfAddr,
  encodeIfInfo,
  encodeNd,
  encodeRt,
  ifa,
  ifla,
  iflaInfo,
  iflaVxlan,
  ipv4String,
  macString,
  nda,
  rta,
  readCstr,
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
  const local = vxAttrs?.get(iflaVxlan.LOCAL);
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
            localIp: local === undefined ? undefined : ipv4String(local),
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

export interface Ipv4Addr {
  readonly index: number;
  readonly ip: string;
  readonly prefixLen: number;
}

export async function dumpIpv4Addrs(ch: RtnlChannel): Promise<Ipv4Addr[]> {
  const parts = await ch.dump(
    'addresses',
    rtm.GETADDR,
    encodeIfAddr({ family: AF_INET, prefixLen: 0, index: 0 }, []),
  );
  const out: Ipv4Addr[] = [];
  for (const p of parts) {
    if (p.type !== rtm.NEWADDR) continue;
    const { hdr, attrs } = decodeIfAddr(p.data);
    const ip = attrs.get(ifa.LOCAL) ?? attrs.get(ifa.ADDRESS);
    if (hdr.family !== AF_INET || ip === undefined) continue;
    out.push({ index: hdr.index, ip: ipv4String(ip), prefixLen: hdr.prefixLen });
  }
  return out;
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
  const addrs = await dumpIpv4Addrs(ch);
  const byIndex = new Map(links.map((l) => [l.index, l]));
  const addressOf = (index: number): string => {
    const a = addrs.find((x) => x.index === index);
    return a === undefined ? '' : `${a.ip}/${a.prefixLen}`;
  };
  const vtepLinks = links.filter((l) => l.kind === 'vxlan' && isVtep(l.name));
  const vteps: VtepSpec[] = vtepLinks.map((l) => ({
    name: l.name,
    vni: l.vxlan?.vni ?? 0,
    port: l.vxlan?.port ?? 0,
    localIp: l.vxlan?.localIp ?? '',
    mtu: l.mtu,
    mac: l.mac,
    address: addressOf(l.index),
  }));
  const bridges: BridgeSpec[] = links
    .filter((l) => l.kind === 'bridge' && isBridge(l.name))
    .map((l) => ({ name: l.name, address: addressOf(l.index), mtu: l.mtu }));
  const vtepIndex = new Map(vtepLinks.map((l) => [l.index, l.name]));
  const neighbors = await dumpNeighbors(ch, vtepIndex);
  const fdb = await dumpFdb(ch, vtepIndex);
  const routes = await dumpRoutes(ch, (i) => byIndex.get(i)?.name ?? `if${i}`);
  return { vteps, bridges, neighbors, fdb, routes };
}

async function dumpNeighbors(ch: RtnlChannel, vteps: ReadonlyMap<number, string>): Promise<NeighborSpec[]> {
  const parts = await ch.dump(
    'neighbors',
    rtm.GETNEIGH,
    encodeNd({ family: AF_INET, index: 0, state: 0, flags: 0 }, []),
  );
  const out: NeighborSpec[] = [];
  for (const p of parts) {
    if (p.type !== rtm.NEWNEIGH) continue;
    const { hdr, attrs } = decodeNd(p.data);
    const dev = vteps.get(hdr.index);
    const ip = attrs.get(nda.DST);
    const mac = attrs.get(nda.LLADDR);
    if (dev === undefined || hdr.family !== AF_INET || !(hdr.state & NUD_PERMANENT)) continue;
    if (ip === undefined || mac === undefined) continue;
    out.push({ dev, ip: ipv4String(ip), mac: macString(mac) });
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
    if (mac === undefined || dst?.length !== 4 || mac.every((b) => b === 0)) continue;
    out.push({ dev, mac: macString(mac), dst: ipv4String(dst) });
  }
  return out;
}

async function dumpRoutes(ch: RtnlChannel, nameOf: (index: number) => string): Promise<RouteSpec[]> {
  const parts = await ch.dump(
    'routes',
    rtm.GETROUTE,
    encodeRt({ family: AF_INET, dstLen: 0, table: 0, protocol: 0, scope: 0, type: 0, flags: 0 }, []),
  );
  const out: RouteSpec[] = [];
  for (const p of parts) {
    if (p.type !== rtm.NEWROUTE) continue;
    const { hdr, attrs } = decodeRt(p.data);
    const table = attrs.get(rta.TABLE)?.readUInt32LE(0) ?? hdr.table;
    if (hdr.family !== AF_INET || hdr.protocol !== trellisRouteProtocol) continue;
    if (table !== RT_TABLE_MAIN) continue;
    const dst = attrs.get(rta.DST);
    const gw = attrs.get(rta.GATEWAY);
    const oif = attrs.get(rta.OIF);
    if (gw === undefined || oif === undefined) continue; // not a shape we write
    out.push({
      dst: `${dst === undefined ? '0.0.0.0' : ipv4String(dst)}/${hdr.dstLen}`,
      gateway: ipv4String(gw),
      dev: nameOf(oif.readUInt32LE(0)),
    });
  }
  return out;
}
