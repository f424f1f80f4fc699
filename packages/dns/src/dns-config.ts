import { isIP } from 'node:net';
import { ConfigProblems, describe } from '@trellis/runtime';
import { isCidr } from './exempt-clients.js';
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
  /** Concurrent TCP connections from one client (IPv4 address, IPv6 /64); more from it are closed at accept. */
  readonly tcpConnectionsPerClientMax: number;
  /** A TCP connection with no complete query for this long is closed (RFC 7766 asks for seconds). */
  readonly tcpIdleMs: number;
  /**
   * A new TCP connection that has not completed its first query this long after accept is closed:
   * a client falling back from a truncated UDP answer sends its query at once, so only a
   * slow-loris waits. At most `tcpIdleMs`; `min(2500, tcpIdleMs)` unless given.
   */
  readonly tcpFirstQueryMs: number;
  /** Largest query accepted on TCP; a longer length prefix closes the connection. */
  readonly tcpQueryBytesMax: number;
  /** Replies queued to a client that does not read; past it the connection is closed. */
  readonly tcpBacklogBytesMax: number;
  /** Attempts to find a port free for both UDP and TCP when `port` is 0. */
  readonly bindAttemptsMax: number;
  /**
   * Response-rate limiting over UDP (BIND's RRL): identical responses per second to one client
   * prefix, counted per prefix and response (see the README). 0 turns RRL off.
   */
  readonly rrlResponsesPerSecond: number;
  /** Seconds of excess a prefix pays back before it is answered again (BIND's `window`). */
  readonly rrlWindowSeconds: number;
  /** Every `rrlSlip`-th limited response goes out truncated (TC) instead of dropped; 0 never. */
  readonly rrlSlip: number;
  /** IPv4 clients are grouped by this prefix length (a spoofer picks any address in it). */
  readonly rrlIpv4PrefixLength: number;
  /** IPv6 clients are grouped by this prefix length. */
  readonly rrlIpv6PrefixLength: number;
  /** Rate buckets in each of the limiter's two hashed rows (fixed memory: 33 bytes per bucket in all). */
  readonly rrlTableSize: number;
  /**
   * Client networks never rate-limited (BIND's `exempt-clients`), as CIDRs: the agent gives its
   * overlays' subnets, so its containers, which share one slice, do not share one rate.
   */
  readonly rrlExempt: readonly string[];
  /**
   * Readers of the UDP socket: this thread alone at 1; at N, this thread and N - 1 child processes
   * sharing the socket, each with the zone and 1 / N of the RRL rate (see the README, "Workers").
   */
  readonly workers: number;
}

/** What callers (or a JSON file) give: every field optional; `nsName` and `tcpFirstQueryMs` are derived. */
export type DnsConfigInput = { readonly [K in keyof DnsConfig]?: DnsConfig[K] | undefined };

/** Fields whose default depends on another field. */
type DerivedField = 'nsName' | 'tcpFirstQueryMs';

export const defaultDnsConfig: Omit<DnsConfig, DerivedField> = Object.freeze({
  // Agents point resolv.conf at their own address, so listen on every interface.
  host: '0.0.0.0',
  port: 53,
  zone: 'dcos.thisdcos.directory',
  // Tasks come and go in seconds; a longer TTL serves dead containers from caches.
  ttlSeconds: 5,
  nsAddresses: Object.freeze([]),
  udpPayloadMax: 1232,
  tcpConnectionsMax: 256,
  // A resolver needs one connection per query in flight; 8 leaves 31 clients room at the cap.
  tcpConnectionsPerClientMax: 8,
  tcpIdleMs: 10_000,
  // A query is one question plus an OPT record: far below 512 bytes in practice.
  tcpQueryBytesMax: 4096,
  // Enough for ~16 full-size (64 KiB) replies queued behind a client that stopped reading.
  tcpBacklogBytesMax: 1024 * 1024,
  bindAttemptsMax: 8,
  // The reasoning behind these (and BIND's own defaults) is in the README, "Response-rate limiting".
  rrlResponsesPerSecond: 20,
  rrlWindowSeconds: 15,
  rrlSlip: 2,
  rrlIpv4PrefixLength: 24,
  rrlIpv6PrefixLength: 56,
  rrlTableSize: 65_536,
  rrlExempt: Object.freeze([]),
  // One thread until a quiet-machine run says more pay (bench/README.md, "DNS beside dnsmasq"):
  // each worker is a process with its own zone to rebuild on every change, and a split RRL rate.
  workers: 1,
});

/** BIND's tcp-initial-timeout may not go below 2.5 s either. */
const TCP_FIRST_QUERY_MS = 2500;

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
  const derived = new Set<string>(['nsName', 'tcpFirstQueryMs'] satisfies DerivedField[]);

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
  p.integer('tcpConnectionsPerClientMax', c.tcpConnectionsPerClientMax, 1, 65_536);
  const idleOk = p.integer('tcpIdleMs', c.tcpIdleMs, 100, 3_600_000);
  const tcpFirstQueryMs = firstQueryMs(p, c.tcpFirstQueryMs, idleOk ? (c.tcpIdleMs as number) : undefined);
  p.integer('tcpQueryBytesMax', c.tcpQueryBytesMax, 512, 65_535);
  p.integer('tcpBacklogBytesMax', c.tcpBacklogBytesMax, 65_537, 1024 * 1024 * 1024);
  p.integer('bindAttemptsMax', c.bindAttemptsMax, 1, 100);
  checkRrl(p, c);
  p.integer('workers', c.workers, 1, WORKERS_MAX);
  for (const key of Object.keys(input))
    if (!Object.hasOwn(defaultDnsConfig, key) && !derived.has(key)) p.add(key, 'is not a DNS setting');
  p.throwIfAny('DNS config');
  return Object.freeze({
    ...(c as unknown as DnsConfig),
    zone: zone!,
    nsName: nsName!,
    nsAddresses,
    tcpFirstQueryMs: tcpFirstQueryMs!,
  });
}

/** Ranges follow BIND's `rate-limit` clause where it has the same knob. */
function checkRrl(p: ConfigProblems, c: Record<keyof DnsConfig, unknown>): void {
  p.integer('rrlResponsesPerSecond', c.rrlResponsesPerSecond, 0, 1000);
  p.integer('rrlWindowSeconds', c.rrlWindowSeconds, 1, 3600);
  p.integer('rrlSlip', c.rrlSlip, 0, 10);
  p.integer('rrlIpv4PrefixLength', c.rrlIpv4PrefixLength, 0, 32);
  p.integer('rrlIpv6PrefixLength', c.rrlIpv6PrefixLength, 0, 128);
  p.integer('rrlTableSize', c.rrlTableSize, 1024, 16_777_216);
  const exempt = c.rrlExempt;
  if (!Array.isArray(exempt) || exempt.length > RRL_EXEMPT_MAX)
    p.add('rrlExempt', `must be a list of at most ${RRL_EXEMPT_MAX} CIDRs, got ${describe(exempt)}`);
  else
    (exempt as unknown[]).forEach((x, i) => {
      if (!isCidr(x)) p.add(`rrlExempt[${i}]`, `must be a CIDR such as 9.0.0.0/8, got ${describe(x)}`);
    });
}

const RRL_EXEMPT_MAX = 64;
/** More readers than cores only contend for the socket; 64 is beyond any host we serve. */
const WORKERS_MAX = 64;

/** The first-query timeout, given or derived; never longer than the idle timeout it precedes. */
function firstQueryMs(p: ConfigProblems, value: unknown, idleMs: number | undefined): number | undefined {
  if (value === undefined) return Math.min(TCP_FIRST_QUERY_MS, idleMs ?? TCP_FIRST_QUERY_MS);
  if (!p.integer('tcpFirstQueryMs', value, 100, 3_600_000)) return undefined;
  if (idleMs !== undefined && (value as number) > idleMs)
    p.add('tcpFirstQueryMs', `must be at most tcpIdleMs (${idleMs}), got ${value as number}`);
  return value as number;
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
