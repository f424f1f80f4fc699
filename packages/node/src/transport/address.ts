import { isIP } from 'node:net';
import type { Address } from '@trellis/runtime';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** `host:port`, with IPv6 hosts in brackets (`[::1]:7946`) so the port stays unambiguous. */
export function formatAddress(host: string, port: number): Address {
  const h = unmapIpv4(host);
  return isIP(h) === 6 ? `[${h}]:${port}` : `${h}:${port}`;
}

/** Parses `host:port` or `[v6]:port`; undefined for anything else (a peer may send garbage). */
export function parseAddress(address: Address): HostPort | undefined {
  let host: string;
  let portText: string;
  if (address.startsWith('[')) {
    const close = address.indexOf(']:');
    if (close < 0) return undefined;
    host = address.slice(1, close);
    portText = address.slice(close + 2);
    if (isIP(host) !== 6) return undefined;
  } else {
    const colon = address.lastIndexOf(':');
    if (colon <= 0) return undefined;
    host = address.slice(0, colon);
    portText = address.slice(colon + 1);
    // A bare IPv6 address is ambiguous with its port: brackets are required.
    if (host.includes(':')) return undefined;
  }
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65_535) return undefined;
  return { host, port };
}

/** A dual-stack socket reports IPv4 peers as `::ffff:a.b.c.d`; peers know them as `a.b.c.d`. */
function unmapIpv4(host: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  return mapped ? mapped[1]! : host;
}
