import { isIP } from 'node:net';
import { ConfigProblems, describe } from '@trellis/runtime';
import { NAME_CHARS_MAX, asciiLower, isHostName, withoutRootDot } from './dns-name.js';

export interface DnsConfig {
  /** The IP to listen on, UDP and TCP alike. */
  readonly host: string;
  /** UDP and TCP port (the same number); 0 lets the kernel pick, see `DnsServer.address`. */
  readonly port: number;
  /** The zone served, lower-case, no trailing dot. */
  readonly zone: string;
  /** TTL of every answer, and the negative-caching TTL (SOA minimum): tasks move often. */
  readonly ttlSeconds: number;
  /** The NS of the zone and the SOA mname; `ns.<zone>` unless given. */
  readonly nsName: string;
  /** A/AAAA of `nsName` when it lies inside the zone; empty gives NODATA for it. */
  readonly nsAddresses: readonly string[];
  /**
   * Largest UDP response we send to an EDNS0 client, whatever larger size it offers: 1232 avoids
   * IP fragmentation on any path (DNS Flag Day 2020). Clients without EDNS0 get 512.
   */
  readonly udpPayloadMax: number;
  /** Concurrent TCP connections; more are closed at accept. */
  readonly tcpConnectionsMax: number;
  /** A TCP connection with no complete query for this long is closed (RFC 7766 asks for seconds). */
  readonly tcpIdleMs: number;
  /** Largest query accepted on TCP; a longer length prefix closes the connection. */
  readonly tcpQueryBytesMax: number;
  /** Replies queued to a client that does not read; past it the connection is closed. */
  readonly tcpBacklogBytesMax: number;
  /** Attempts to find a port free for both UDP and TCP when `port` is 0. */
  readonly bindAttemptsMax: number;
}

/** What callers (or a JSON file) give: every field optional; `nsName` derives from `zone`. */
export type DnsConfigInput = { readonly [K in keyof DnsConfig]?: DnsConfig[K] | undefined };

export const defaultDnsConfig: Omit<DnsConfig, 'nsName'> = Object.freeze({
  // Agents point resolv.conf at their own address, so listen on every interface.
  host: '0.0.0.0',
  port: 53,
  zone: 'dcos.thisdcos.directory',
  // Tasks come and go in seconds; a longer TTL serves dead containers from caches.
  ttlSeconds: 5,
  nsAddresses: Object.freeze([]),
  udpPayloadMax: 1232,
  tcpConnectionsMax: 256,
  tcpIdleMs: 10_000,
  // A query is one question plus an OPT record: far below 512 bytes in practice.
  tcpQueryBytesMax: 4096,
  // Enough for ~16 full-size (64 KiB) replies queued behind a client that stopped reading.
  tcpBacklogBytesMax: 1024 * 1024,
  bindAttemptsMax: 8,
});

const NS_ADDRESSES_MAX = 16;

/** Fills defaults and checks every field, listing all problems in one `ConfigError`. */
export function parseDnsConfig(input: DnsConfigInput = {}): DnsConfig {
  const p = new ConfigProblems();
  // A JSON file can hold anything: say so instead of crashing on it.
  if (typeof input !== 'object' || (input as unknown) === null || Array.isArray(input)) {
    p.add('(root)', `must be an object, got ${describe(input)}`);
    p.throwIfAny('DNS config');
  }
  const given = Object.fromEntries(Object.entries(input).filter(([, v]) => v !== undefined));
  const c = { ...defaultDnsConfig, ...given } as Record<keyof DnsConfig, unknown>;

  if (typeof c.host !== 'string' || isIP(c.host) === 0 || c.host.includes('%'))
    p.add('host', `must be an IP address, got ${describe(c.host)}`);
  p.integer('port', c.port, 0, 65_535);
  const zone = domainName(p, 'zone', c.zone);
  p.integer('ttlSeconds', c.ttlSeconds, 0, 604_800);
  const nsName =
    c.nsName === undefined
      ? zone === undefined
        ? undefined
        : `ns.${zone}`
      : domainName(p, 'nsName', c.nsName);
  if (nsName !== undefined && nsName.length > NAME_CHARS_MAX)
    p.add('nsName', `must be at most ${NAME_CHARS_MAX} characters (ns.<zone> is too long: set nsName)`);
  const nsAddresses = ipList(p, 'nsAddresses', c.nsAddresses);
  p.integer('udpPayloadMax', c.udpPayloadMax, 512, 4096);
  p.integer('tcpConnectionsMax', c.tcpConnectionsMax, 1, 65_536);
  p.integer('tcpIdleMs', c.tcpIdleMs, 100, 3_600_000);
  p.integer('tcpQueryBytesMax', c.tcpQueryBytesMax, 512, 65_535);
  p.integer('tcpBacklogBytesMax', c.tcpBacklogBytesMax, 65_537, 1024 * 1024 * 1024);
  p.integer('bindAttemptsMax', c.bindAttemptsMax, 1, 100);
  for (const key of Object.keys(input))
    if (!Object.hasOwn(defaultDnsConfig, key) && key !== 'nsName') p.add(key, 'is not a DNS setting');
  p.throwIfAny('DNS config');
  return Object.freeze({ ...(c as unknown as DnsConfig), zone: zone!, nsName: nsName!, nsAddresses });
}

/** A lower-cased host name without root dot, or undefined after recording the problem. */
function domainName(p: ConfigProblems, path: string, value: unknown): string | undefined {
  if (typeof value !== 'string') {
    p.add(path, `must be a domain name, got ${describe(value)}`);
    return undefined;
  }
  const name = asciiLower(withoutRootDot(value));
  if (!isHostName(name)) {
    p.add(
      path,
      `must be a domain name (labels of a-z, 0-9 and inner '-', 1-63 each, 253 in all), got ${describe(value)}`,
    );
    return undefined;
  }
  return name;
}

function ipList(p: ConfigProblems, path: string, value: unknown): readonly string[] {
  if (!Array.isArray(value)) {
    p.add(path, `must be an array of IP addresses, got ${describe(value)}`);
    return [];
  }
  if (value.length > NS_ADDRESSES_MAX)
    p.add(path, `must hold at most ${NS_ADDRESSES_MAX} addresses, got ${value.length}`);
  const ips: string[] = [];
  value.forEach((ip: unknown, i) => {
    if (typeof ip === 'string' && isIP(ip) !== 0 && !ip.includes('%')) ips.push(ip.toLowerCase());
    else p.add(`${path}[${i}]`, `must be an IP address, got ${describe(ip)}`);
  });
  return Object.freeze(ips);
}
