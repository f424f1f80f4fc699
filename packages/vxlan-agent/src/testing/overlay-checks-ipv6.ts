/**
 * The IPv6 half of a test host's overlay state, read off its kernel (`ip -6 -j`) and checked:
 * the VTEP's and bridges' IPv6 addresses, IPv6 neighbors and routes with our protocol.
 */
import ipaddr from 'ipaddr.js';
import { json, type Topology } from './netns.js';
import { link } from './overlay-checks.js';

export const neighbors6 = (ns: string, dev = 'vtep1024') =>
  json<{ dst: string; lladdr: string }[]>(
    'ip',
    '-n',
    ns,
    '-6',
    '-j',
    'neigh',
    'show',
    'dev',
    dev,
    'nud',
    'permanent',
  );
export const routes6 = (ns: string) =>
  json<{ dst: string; gateway: string; dev: string; flags?: string[] }[]>(
    'ip',
    '-n',
    ns,
    '-6',
    '-j',
    'route',
    'show',
    'proto',
    '44',
  );

/** The global IPv6 address of `dev` as `ip/len` (iproute2 keeps empty entries for others). */
export function address6(ns: string, dev: string): { local: string; prefixlen: number } {
  const found = (link(ns, dev).addr_info ?? []).filter(
    (a) => a.family === 'inet6' && typeof a.local === 'string' && !a.local.startsWith('fe80:'),
  );
  if (found.length !== 1) throw new Error(`${dev} in ${ns}: ${found.length} global IPv6 addresses`);
  return found[0]!;
}

/**
 * What host `i` publishes in IPv6, read off its own kernel: VTEP MAC and IPv6, the IPv6 gateway
 * of its Mesos bridge and its agent subnet (the bridge's /81 half widened to the /80 slice).
 */
export function identity6(topo: Topology, i: number, dev = 'vtep1024', bridge = 'm-dcos', slicePrefix = 80) {
  const ns = topo.host(i).ns;
  const gw = address6(ns, bridge).local;
  const net = ipaddr.IPv6.networkAddressFromCIDR(`${gw}/${slicePrefix}`).toRFC5952String();
  return {
    mac: link(ns, dev).address,
    vtepIp6: address6(ns, dev).local,
    gw6: gw,
    subnet6: `${net}/${slicePrefix}`,
  };
}

/** Host `i`'s kernel holds exactly the IPv6 neighbor and IPv6 route of each of `peers`. */
export function programmed6For(
  topo: Topology,
  i: number,
  peers: number[],
  dev = 'vtep1024',
  bridge = 'm-dcos',
): boolean {
  const ns = topo.host(i).ns;
  const want = peers.map((p) => identity6(topo, p, dev, bridge));
  const n = neighbors6(ns, dev);
  const r = routes6(ns).filter((x) => x.dev === dev);
  return (
    n.length === want.length &&
    r.length === want.length &&
    want.every(
      (w) =>
        n.some((x) => x.dst === w.vtepIp6 && x.lladdr === w.mac) &&
        r.some((x) => x.dst === w.subnet6 && x.gateway === w.vtepIp6 && x.flags?.includes('onlink') === true),
    )
  );
}
