import { isIP } from 'node:net';
import { describe, type ConfigProblems } from '@trellis/runtime';

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

export type HostKind = 'ip' | 'ipOrName';

// RFC 1123 host names: labels of letters, digits and inner hyphens.
const hostName =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;

/** `host:port` or `[v6]:port` split, without judging either part; undefined without a port. */
export function splitHostPort(
  text: string,
): { host: string; portText: string; bracketed: boolean } | undefined {
  if (text.startsWith('[')) {
    const close = text.indexOf(']:');
    if (close < 0) return undefined;
    return { host: text.slice(1, close), portText: text.slice(close + 2), bracketed: true };
  }
  const colon = text.lastIndexOf(':');
  if (colon < 0) return undefined;
  return { host: text.slice(0, colon), portText: text.slice(colon + 1), bracketed: false };
}

/**
 * Checks an address setting: a port 1-65535 and, for `ip`, an IP literal. Listening sockets
 * need an address of this host; a name would be resolved once, silently, to whichever address
 * the resolver prefers, so the problem says what to write instead.
 */
export function parseHostPort(
  path: string,
  value: unknown,
  p: ConfigProblems,
  kind: HostKind,
  example: string,
): string | undefined {
  const problem = (message: string): undefined => {
    p.add(path, message);
    return undefined;
  };
  if (typeof value !== 'string')
    return problem(`must be "host:port" like "${example}", got ${describe(value)}`);
  const parts = splitHostPort(value);
  if (parts === undefined) return problem(`must be "host:port" like "${example}", got ${describe(value)}`);
  const { host, portText, bracketed } = parts;
  const port = /^\d{1,5}$/.test(portText) ? Number(portText) : Number.NaN;
  if (!(port >= 1 && port <= 65_535))
    return problem(`needs a port from 1 to 65535, got ${JSON.stringify(portText)}`);
  if (!bracketed && host.includes(':'))
    return problem(`write IPv6 addresses in brackets, like "[${host}]:${portText}"`);
  if (bracketed && isIP(host) !== 6) return problem(`"[${host}]" is not an IPv6 address`);
  if (bracketed || isIP(host) === 4) return value;
  if (!hostName.test(host)) return problem(`"${host}" is neither an IP address nor a host name`);
  if (kind === 'ip') {
    const instead =
      host === 'localhost' ? `127.0.0.1:${port}` : `an address of this host, or 0.0.0.0:${port}`;
    return problem(`"${host}" is a host name; this setting takes an IP address: write ${instead}`);
  }
  return value;
}

/** Splits an address that `parseHostPort` accepted. */
export function hostPortOf(address: string): HostPort {
  const parts = splitHostPort(address)!;
  return { host: parts.host, port: Number(parts.portText) };
}

export function isLoopback(host: string): boolean {
  return isIP(host) === 4 ? host.startsWith('127.') : host === '::1';
}
