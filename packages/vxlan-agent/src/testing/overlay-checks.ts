/**
 * Reads a test host's overlay state off its kernel (`ip -j`, `bridge -j`) and checks it, and
 * sends real TCP between container namespaces. Used by the kernel end-to-end test and the netns
 * demo.
 */
import { spawn } from 'node:child_process';
import { json, type Topology } from './netns.js';

export interface LinkInfo {
  address: string;
  mtu: number;
  addr_info?: { local: string; prefixlen: number; family: string }[];
}
export const link = (ns: string, dev: string): LinkInfo =>
  json<LinkInfo[]>('ip', '-n', ns, '-j', 'addr', 'show', 'dev', dev)[0]!;
/** IPv4 neighbors (the IPv6 ones: `neighbors6`). */
export const neighbors = (ns: string, dev = 'vtep1024') =>
  json<{ dst: string; lladdr: string; state: string[] }[]>(
    'ip',
    '-n',
    ns,
    '-4',
    '-j',
    'neigh',
    'show',
    'dev',
    dev,
    'nud',
    'permanent',
  );
export const fdb = (ns: string, dev = 'vtep1024') =>
  json<{ mac: string; dst?: string; flags?: string[] }[]>(
    'bridge',
    '-n',
    ns,
    '-j',
    'fdb',
    'show',
    'dev',
    dev,
  ).filter((e) => e.mac !== '00:00:00:00:00:00');
export const routes = (ns: string) =>
  json<{ dst: string; gateway: string; dev: string }[]>('ip', '-n', ns, '-j', 'route', 'show', 'proto', '44');

/** What host `i` publishes, read off its own kernel: VTEP MAC/IP, underlay IP, agent /24. */
export function identity(topo: Topology, i: number, dev = 'vtep1024', bridge = 'm-dcos') {
  const h = topo.host(i);
  const v = link(h.ns, dev);
  const gw = link(h.ns, bridge).addr_info!.find((a) => a.family === 'inet')!.local;
  const [a, b, c] = gw.split('.');
  const subnet = `${a}.${b}.${c}.0/24`; // the test overlays use /24 slices
  return {
    mac: v.address,
    vtepIp: v.addr_info!.find((x) => x.family === 'inet')!.local,
    underlay: h.ip,
    subnet,
    gw,
  };
}

/** Host `i`'s kernel holds exactly the neighbor, FDB entry and route of each of `peers`. */
export function programmedFor(
  topo: Topology,
  i: number,
  peers: number[],
  dev = 'vtep1024',
  bridge = 'm-dcos',
): boolean {
  const ns = topo.host(i).ns;
  const want = peers.map((p) => identity(topo, p, dev, bridge));
  const n = neighbors(ns, dev);
  const f = fdb(ns, dev);
  const r = routes(ns).filter((x) => x.dev === dev);
  return (
    n.length === want.length &&
    f.length === want.length &&
    r.length === want.length &&
    want.every(
      (w) =>
        n.some((x) => x.dst === w.vtepIp && x.lladdr === w.mac) &&
        f.some((x) => x.mac === w.mac && x.dst === w.underlay) &&
        r.some((x) => x.dst === w.subnet && x.gateway === w.vtepIp),
    )
  );
}

/** A TCP echo between two container namespaces over the overlay; resolves true on success. */
export function tcpEcho(topo: Topology, from: number, to: number, toIp: string): Promise<boolean> {
  return tcpEchoIn(topo.host(to).cns, topo.host(from).cns, toIp);
}

/**
 * A TCP echo from namespace `clientNs` to `toIp` (IPv4 or IPv6) served in `serverNs`; with
 * `fromIp`, the client's source address (a host's bridge gateway, say). Resolves true on success.
 */
export function tcpEchoIn(
  serverNs: string,
  clientNs: string,
  toIp: string,
  fromIp?: string,
): Promise<boolean> {
  const server = spawn('ip', [
    'netns',
    'exec',
    serverNs,
    process.execPath,
    '-e',
    `const s=require('net').createServer(c=>c.pipe(c)).listen(5000,'${toIp}',()=>console.log('up'));setTimeout(()=>s.close(),8000)`,
  ]);
  const target = JSON.stringify({
    port: 5000,
    host: toIp,
    ...(fromIp === undefined ? {} : { localAddress: fromIp }),
  });
  return new Promise((resolve) => {
    server.stdout.once('data', () => {
      const client = spawn('ip', [
        'netns',
        'exec',
        clientNs,
        process.execPath,
        '-e',
        `const c=require('net').connect(${target},()=>c.end('ping-over-vxlan'));let d='';c.on('data',x=>d+=x);c.on('close',()=>process.exit(d==='ping-over-vxlan'?0:1));c.on('error',()=>process.exit(2));setTimeout(()=>process.exit(3),5000)`,
      ]);
      client.on('exit', (code) => {
        server.kill();
        resolve(code === 0);
      });
    });
    server.on('exit', () => resolve(false));
  });
}
