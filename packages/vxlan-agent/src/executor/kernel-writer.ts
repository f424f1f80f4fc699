/**
 * Create-or-replace and delete of each kind of kernel object. Never exclusive-create; a delete
 * of something already gone succeeds.
 */
import {
  type BridgeSpec,
  type FdbSpec,
  type KernelObject,
  type NeighborSpec,
  type RouteSpec,
  type VtepSpec,
} from '../kernel-model.js';
import { NetlinkRequestError } from './errors.js';
import { getLinkByName, type LinkInfo } from './kernel-reader.js';
import { fdbMessage, neighborMessage, routeMessage } from './entry-messages.js';
import { enableIpv6 } from './ipv6-sysctl.js';
import { syncAddresses } from './link-address.js';
import type { RtnlChannel } from './rtnl-channel.js';
import {
  AF_INET6,
  IFF_UP,
  NUD_PERMANENT,
  be16,
  cstr,
  encodeAttrs,
  encodeIfInfo,
  familyOf,
  ifla,
  iflaInfo,
  iflaVxlan,
  ipBytes,
  macBytes,
  nlmF,
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
        familyOf(s.localIp) === AF_INET6
          ? { type: iflaVxlan.LOCAL6, data: ipBytes(s.localIp) }
          : { type: iflaVxlan.LOCAL, data: ipBytes(s.localIp) },
        { type: iflaVxlan.PORT, data: be16(s.port) },
        { type: iflaVxlan.LEARNING, data: u8(0) },
      ]);
      await this.createLink(s.name, 'vxlan', data, [
        { type: ifla.MTU, data: u32(s.mtu) },
        { type: ifla.ADDRESS, data: macBytes(s.mac) },
      ]);
    }
    await this.configureLink(s, compatible ? link : undefined);
  }

  private async putBridge(s: BridgeSpec): Promise<void> {
    const link = await getLinkByName(this.ch, s.name);
    const compatible = link?.kind === 'bridge';
    if (link !== undefined && !compatible) await this.deleteLink(s.name);
    if (!compatible) await this.createLink(s.name, 'bridge', undefined, []);
    await this.configureLink(s, compatible ? link : undefined);
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

  /**
   * MTU, up, and exactly the wanted addresses on a link that exists: one IPv4 and, on a
   * dual-stack overlay, one IPv6 (IPv6 enabled on the link first: a sysctl may have disabled it).
   */
  private async configureLink(s: VtepSpec | BridgeSpec, seen?: LinkInfo) {
    const { name, mtu } = s;
    const index = await this.ifindex(name);
    if (seen?.mtu !== mtu || !seen.up) {
      await this.ch.request(
        `set ${name} mtu ${mtu} up`,
        rtm.NEWLINK,
        0,
        encodeIfInfo({ index, flags: IFF_UP, change: IFF_UP }, [{ type: ifla.MTU, data: u32(mtu) }]),
      );
    }
    if (s.address6 !== undefined) await enableIpv6(name);
    await syncAddresses(this.ch, name, index, s.address, s.address6);
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
      neighborMessage(await this.ifindex(s.dev), s.ip, NUD_PERMANENT, s.mac),
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
        neighborMessage(index, s.ip, 0),
      ),
    );
  }

  private async putFdb(s: FdbSpec): Promise<void> {
    const index = await this.ifindex(s.dev);
    await this.ch.request(
      `fdb ${s.mac} -> ${s.dst} on ${s.dev}`,
      rtm.NEWNEIGH,
      CREATE_REPLACE,
      fdbMessage(index, s, NUD_PERMANENT),
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
        fdbMessage(index, s, 0),
      ),
    );
  }

  private async putRoute(s: RouteSpec): Promise<void> {
    const index = await this.ifindex(s.dev);
    await this.ch.request(
      `route ${s.dst} via ${s.gateway} dev ${s.dev}`,
      rtm.NEWROUTE,
      CREATE_REPLACE,
      routeMessage(s.dst, { gateway: s.gateway, index }),
    );
  }

  private async deleteRoute(s: RouteSpec): Promise<void> {
    // Protocol in the request makes the kernel match only our route for this prefix; the gateway
    // and device are left out so a route whose device already vanished is deleted all the same.
    await ignoreMissing(this.ch.request(`delete route ${s.dst}`, rtm.DELROUTE, 0, routeMessage(s.dst)));
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
