import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { isLoopback } from '../config/host-port.js';
import { problem, type Reply } from './reply.js';

/**
 * The Host values a TCP listener answers to: its own address, the address the connection
 * arrived at (for a wildcard listener), and `localhost` on loopback. A browser tricked by DNS
 * rebinding sends the attacker's name, which is none of these: no page can talk to the API.
 */
export function allowedHosts(listenHost: string, req: IncomingMessage): Set<string> {
  const port = req.socket.localPort;
  const local = unmapped(req.socket.localAddress ?? '');
  const hosts = new Set<string>();
  for (const h of [listenHost, local]) {
    if (h === '' || h === '0.0.0.0' || h === '::') continue;
    hosts.add(`${isIP(h) === 6 ? `[${h}]` : h}:${port}`.toLowerCase());
    if (isLoopback(h)) hosts.add(`localhost:${port}`);
  }
  return hosts;
}

/** 400 without exactly one Host header, 421 when it names another server; undefined: fine. */
export function checkHost(
  req: IncomingMessage,
  allowed: ReadonlySet<string>,
  authority: string | undefined,
): Reply | undefined {
  const values = req.headersDistinct.host;
  if (values?.length !== 1) return problem(400, 'send exactly one Host header', { close: true });
  const host = values[0]!.toLowerCase();
  if (allowed.has(host) && (authority === undefined || allowed.has(authority))) return undefined;
  return problem(421, `this API answers to Host ${[...allowed].join(' or ')} only`, { close: true });
}

function unmapped(host: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(host);
  return m === null ? host : m[1]!;
}
