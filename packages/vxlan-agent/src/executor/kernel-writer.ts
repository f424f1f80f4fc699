/**
 * Create-or-replace and delete of our links (VTEPs, bridges), one request at a time: a VTEP put
 * is several requests, each depending on the last. Never exclusive-create; a delete of a link
 * already gone succeeds.
 */
import { type BridgeSpec, type KernelObject, type VtepSpec } from '../kernel-model.js';
import { NetlinkRequestError } from './errors.js';
import { getLinkByName, type LinkInfo } from './kernel-reader.js';
import { enableIpv6 } from './ipv6-sysctl.js';
import { syncAddresses } from './link-address.js';
import type { RtnlChannel } from './rtnl-channel.js';
import {
  AF_INET6,
  IFF_UP,
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

const GONE = new Set(['ENOENT', 'ESRCH', 'ENODEV', 'EADDRNOTAVAIL']);

async function ignoreMissing(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    if (e instanceof NetlinkRequestError && GONE.has(e.errnoCode)) return;
    throw e;
  }
}

export type LinkObject = Extract<KernelObject, { kind: 'vtep' | 'bridge' }>;

export class KernelWriter {
  private readonly indexCache = new Map<string, number>();

  constructor(private readonly ch: RtnlChannel) {}

  /** Links only: entries (neighbors, FDB entries, routes) are written in batches (entry-batch.ts). */
  async put(o: LinkObject): Promise<void> {
    return o.kind === 'vtep' ? this.putVtep(o.spec) : this.putBridge(o.spec);
  }

  async delete(o: LinkObject): Promise<void> {
    return this.deleteLink(o.spec.name);
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

  /** The device's ifindex (cached), undefined when there is no such device. */
  async ifindexOrUndefined(name: string): Promise<number | undefined> {
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
