/**
 * Create-or-replace and delete of each kind of kernel object. Never exclusive-create; a delete
 * of something already gone succeeds.
 */
import {
  trellisRouteProtocol,
  type BridgeSpec,
  type FdbSpec,
  type KernelObject,
  type NeighborSpec,
  type RouteSpec,
  type VtepSpec,
} from '../kernel-model.js';
import { NetlinkRequestError } from './errors.js';
import { getLinkByName, type LinkInfo } from './kernel-reader.js';
import { syncIpv4Address } from './link-address.js';
import type { RtnlChannel } from './rtnl-channel.js';
import {
  AF_BRIDGE,
  AF_INET,
  IFF_UP,
  NTF_SELF,
  NUD_PERMANENT,
  RTNH_F_ONLINK,
  RTN_UNICAST,
  RT_SCOPE_UNIVERSE,
  RT_TABLE_MAIN,
  be16,
  cstr,
  encodeAttrs,
  encodeIfInfo,
  encodeNd,
  encodeRt,
  ifla,
  iflaInfo,
  iflaVxlan,
  ipv4Bytes,
  macBytes,
  nda,
  nlmF,
  parsePrefix,
  rta,
  rtm,
  u32,
  u8,
  type Attr,
} from './rtnl-codec.js';

const CREATE_REPLACE = nlmF.CREATE | nlmF.REPLACE;
const GONE = new Set(['ENOENT', 'ESRCH', 'ENODEV', 'EADDRNOTAVAIL']);

async function ignoreMissing(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (e instanceof NetlinkRequestError && GONE.has(e.errnoCode)) return;
    throw e;
  }
}

/** Object identity: a put whose `previous` has another identity must delete the previous. */
export function identityOf(o: KernelObject): string {
  switch (o.kind) {
    case 'vtep':
    case 'bridge':
      return `${o.kind}/${o.spec.name}`;
    case 'neighbor':
      return `neighbor/${o.spec.dev}/${o.spec.ip}`;
    case 'fdb':
      return `fdb/${o.spec.dev}/${o.spec.mac}`;
    case 'route':
      return `route/${o.spec.dst}`;
  }
}

export class KernelWriter {
  private readonly indexCache = new Map<string, number>();

  constructor(private readonly ch: RtnlChannel) {}

  async put(o: KernelObject): Promise<void> {
    switch (o.kind) {
      case 'vtep':
        return this.putVtep(o.spec);
      case 'bridge':
        return this.putBridge(o.spec);
      case 'neighbor':
        return this.putNeighbor(o.spec);
      case 'fdb':
        return this.putFdb(o.spec);
      case 'route':
        return this.putRoute(o.spec);
    }
  }

  async delete(o: KernelObject): Promise<void> {
    switch (o.kind) {
      case 'vtep':
      case 'bridge':
        return this.deleteLink(o.spec.name);
      case 'neighbor':
        return this.deleteNeighbor(o.spec);
      case 'fdb':
        return this.deleteFdb(o.spec);
      case 'route':
        return this.deleteRoute(o.spec);
    }
  }

  private async putVtep(s: VtepSpec): Promise<void> {
    const link = await getLinkByName(this.ch, s.name);
    const compatible =
      link?.kind === 'vxlan' &&
      link.vxlan?.vni === s.vni &&
      link.vxlan.port === s.port &&
      link.vxlan.localIp === s.localIp &&
      !link.vxlan.learning &&
      link.mac === s.mac;
    if (link !== undefined && !compatible) await this.deleteLink(s.name);
    if (link === undefined || !compatible) {
      const data = encodeAttrs([
        { type: iflaVxlan.ID, data: u32(s.vni) },
        { type: iflaVxlan.LOCAL, data: ipv4Bytes(s.localIp) },
        { type: iflaVxlan.PORT, data: be16(s.port) },
        { type: iflaVxlan.LEARNING, data: u8(0) },
      ]);
      await this.createLink(s.name, 'vxlan', data, [
        { type: ifla.MTU, data: u32(s.mtu) },
        { type: ifla.ADDRESS, data: macBytes(s.mac) },
      ]);
    }
    await this.configureLink(s.name, s.mtu, s.address, compatible ? link : undefined);
  }

  private async putBridge(s: BridgeSpec): Promise<void> {
    const link = await getLinkByName(this.ch, s.name);
    const compatible = link?.kind === 'bridge';
    if (link !== undefined && !compatible) await this.deleteLink(s.name);
    if (!compatible) await this.createLink(s.name, 'bridge', undefined, []);
    await this.configureLink(s.name, s.mtu, s.address, compatible ? link : undefined);
  }

  private async createLink(name: string, kind: string, data: Buffer | undefined, extra: Attr[]) {
    const info: Attr[] = [{ type: iflaInfo.KIND, data: cstr(kind) }];
    if (data !== undefined) info.push({ type: iflaInfo.DATA, data });
    this.indexCache.delete(name);
    await this.ch.request(
      `create ${kind} ${name}`,
      rtm.NEWLINK,
      nlmF.CREATE,
      encodeIfInfo({}, [
        { type: ifla.IFNAME, data: cstr(name) },
        ...extra,
        { type: ifla.LINKINFO, data: encodeAttrs(info) },
      ]),
    );
  }

  /** MTU, up, and exactly one IPv4 address (the wanted one) on a link that exists. */
  private async configureLink(name: string, mtu: number, address: string, seen?: LinkInfo) {
    const index = await this.ifindex(name);
    if (seen?.mtu !== mtu || !seen.up) {
      await this.ch.request(
        `set ${name} mtu ${mtu} up`,
        rtm.NEWLINK,
        0,
        encodeIfInfo({ index, flags: IFF_UP, change: IFF_UP }, [{ type: ifla.MTU, data: u32(mtu) }]),
      );
    }
    await syncIpv4Address(this.ch, name, index, address);
  }

  private async deleteLink(name: string): Promise<void> {
    this.indexCache.delete(name);
    await ignoreMissing(
      this.ch.request(
        `delete link ${name}`,
        rtm.DELLINK,
        0,
        encodeIfInfo({}, [{ type: ifla.IFNAME, data: cstr(name) }]),
      ),
    );
  }

  private async putNeighbor(s: NeighborSpec): Promise<void> {
    await this.ch.request(
      `neighbor ${s.ip} -> ${s.mac} on ${s.dev}`,
      rtm.NEWNEIGH,
      CREATE_REPLACE,
      encodeNd({ family: AF_INET, index: await this.ifindex(s.dev), state: NUD_PERMANENT, flags: 0 }, [
        { type: nda.DST, data: ipv4Bytes(s.ip) },
        { type: nda.LLADDR, data: macBytes(s.mac) },
      ]),
    );
  }

  private async deleteNeighbor(s: NeighborSpec): Promise<void> {
    const index = await this.ifindexOrUndefined(s.dev);
    if (index === undefined) return; // the device is gone, and its neighbors with it
    await ignoreMissing(
      this.ch.request(
        `delete neighbor ${s.ip} on ${s.dev}`,
        rtm.DELNEIGH,
        0,
        encodeNd({ family: AF_INET, index, state: 0, flags: 0 }, [{ type: nda.DST, data: ipv4Bytes(s.ip) }]),
      ),
    );
  }

  private fdbMessage(index: number, s: FdbSpec, state: number): Buffer {
    return encodeNd({ family: AF_BRIDGE, index, state, flags: NTF_SELF }, [
      { type: nda.LLADDR, data: macBytes(s.mac) },
      { type: nda.DST, data: ipv4Bytes(s.dst) },
    ]);
  }

  private async putFdb(s: FdbSpec): Promise<void> {
    const index = await this.ifindex(s.dev);
    await this.ch.request(
      `fdb ${s.mac} -> ${s.dst} on ${s.dev}`,
      rtm.NEWNEIGH,
      CREATE_REPLACE,
      this.fdbMessage(index, s, NUD_PERMANENT),
    );
  }

  private async deleteFdb(s: FdbSpec): Promise<void> {
    const index = await this.ifindexOrUndefined(s.dev);
    if (index === undefined) return;
    await ignoreMissing(
      this.ch.request(
        `delete fdb ${s.mac} -> ${s.dst} on ${s.dev}`,
        rtm.DELNEIGH,
        0,
        this.fdbMessage(index, s, 0),
      ),
    );
  }

  /** Without `via` (gateway and device), the message matches any route of ours to `dst`. */
  private routeMessage(dstPrefix: string, via?: { gateway: string; index: number }): Buffer {
    const dst = parsePrefix(dstPrefix);
    const attrs: Attr[] = [
      { type: rta.DST, data: ipv4Bytes(dst.ip) },
      { type: rta.TABLE, data: u32(RT_TABLE_MAIN) },
    ];
    if (via !== undefined) {
      attrs.push({ type: rta.GATEWAY, data: ipv4Bytes(via.gateway) });
      attrs.push({ type: rta.OIF, data: u32(via.index) });
    }
    return encodeRt(
      {
        family: AF_INET,
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

  private async putRoute(s: RouteSpec): Promise<void> {
    const index = await this.ifindex(s.dev);
    await this.ch.request(
      `route ${s.dst} via ${s.gateway} dev ${s.dev}`,
      rtm.NEWROUTE,
      CREATE_REPLACE,
      this.routeMessage(s.dst, { gateway: s.gateway, index }),
    );
  }

  private async deleteRoute(s: RouteSpec): Promise<void> {
    // Protocol in the request makes the kernel match only our route for this prefix; the gateway
    // and device are left out so a route whose device already vanished is deleted all the same.
    await ignoreMissing(this.ch.request(`delete route ${s.dst}`, rtm.DELROUTE, 0, this.routeMessage(s.dst)));
  }

  private async ifindexOrUndefined(name: string): Promise<number | undefined> {
    const cached = this.indexCache.get(name);
    if (cached !== undefined) return cached;
    const link = await getLinkByName(this.ch, name);
    if (link !== undefined) this.indexCache.set(name, link.index);
    return link?.index;
  }

  private async ifindex(name: string): Promise<number> {
    const index = await this.ifindexOrUndefined(name);
    if (index === undefined) throw new NetlinkRequestError(`find link ${name}`, 19, 'ENODEV');
    return index;
  }
}
