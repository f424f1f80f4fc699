import { isAbsolute } from 'node:path';
import { describe, type ConfigProblems } from '@trellis/runtime';
import { hostPortOf, isLoopback, parseHostPort } from './host-port.js';

/** The `http` section: the local API's listeners, who may write, and connection limits. */
export interface HttpConfig {
  /** Unix socket; file permissions authorize every request on it, writes included. */
  readonly socket: string;
  /** Permission bits of the socket (never any for others: they would all be able to write). */
  readonly socketMode: number;
  /** Group of the socket (name or gid), so its members may use it; absent: the agent's own. */
  readonly socketGroup: string | number | undefined;
  /** Optional TCP listener: reads for anyone who can reach it, writes with the bearer token. */
  readonly listen: string | undefined;
  /** File holding the bearer token that TCP writes must present. */
  readonly tokenFile: string | undefined;
  /** Allow a TCP listener on a non-loopback address (a token is required then). */
  readonly allowRemote: boolean;
  /** Open connections per listener; past it the oldest idle one is closed for the newcomer. */
  readonly connectionsMax: number;
  /** A connection without traffic for this long is closed (before its first request as well). */
  readonly idleTimeoutMs: number;
  /** All headers of a request must have arrived within this. */
  readonly headersTimeoutMs: number;
  /** A whole request, body included, must have arrived within this. */
  readonly requestTimeoutMs: number;
}

export const defaultHttpConfig: HttpConfig = Object.freeze({
  socket: '/run/trellis/agent.sock',
  socketMode: 0o660,
  socketGroup: undefined,
  listen: undefined,
  tokenFile: undefined,
  allowRemote: false,
  // With the DNS server's 256 and the gossip streams, far below a 1,024 descriptor limit.
  connectionsMax: 128,
  idleTimeoutMs: 5000,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
});

/**
 * sun_path holds 108 bytes, the terminating NUL included; the socket is bound in a temporary
 * directory beside the final path first (`.tXXXXXX/s`), which needs 10 bytes more.
 */
const socketPathBytesMax = 96;

/** Validates the `http` section, recording every problem under `http.`. */
export function parseHttpConfig(input: unknown, p: ConfigProblems): HttpConfig {
  if (input === undefined) return defaultHttpConfig;
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    p.add('http', `must be an object, got ${describe(input)}`);
    return defaultHttpConfig;
  }
  const h = input as Record<string, unknown>;
  for (const key of Object.keys(h))
    if (!Object.hasOwn(defaultHttpConfig, key)) p.add(`http.${key}`, 'is not an http setting');
  const get = <K extends keyof HttpConfig>(key: K, check: (v: unknown) => boolean): HttpConfig[K] =>
    h[key] === undefined || !check(h[key]) ? defaultHttpConfig[key] : (h[key] as HttpConfig[K]);
  const socket = get('socket', (v) => socketPath(v, p));
  const socketMode = parseMode(h.socketMode, p);
  const socketGroup = get('socketGroup', (v) => group(v, p));
  const listen = get(
    'listen',
    (v) => parseHostPort('http.listen', v, p, 'ip', '127.0.0.1:8124') !== undefined,
  );
  const tokenFile = get('tokenFile', (v) => nonEmpty('http.tokenFile', v, p));
  const allowRemote = get('allowRemote', (v) => p.boolean('http.allowRemote', v));
  const int = (
    key: 'connectionsMax' | 'idleTimeoutMs' | 'headersTimeoutMs' | 'requestTimeoutMs',
    min: number,
    max: number,
  ) => get(key, (v) => p.integer(`http.${key}`, v, min, max));
  const connectionsMax = int('connectionsMax', 1, 10_000);
  const idleTimeoutMs = int('idleTimeoutMs', 100, 3_600_000);
  const headersTimeoutMs = int('headersTimeoutMs', 100, 3_600_000);
  const requestTimeoutMs = int('requestTimeoutMs', 100, 3_600_000);
  if (headersTimeoutMs > requestTimeoutMs)
    p.add('http.headersTimeoutMs', `must not exceed requestTimeoutMs (${requestTimeoutMs})`);
  if (
    listen !== undefined &&
    !isLoopback(hostPortOf(listen).host) &&
    !(allowRemote && tokenFile !== undefined)
  )
    p.add(
      'http.listen',
      `${listen} is reachable from other hosts: listen on 127.0.0.1, or set "allowRemote": true and a "tokenFile"`,
    );
  if (allowRemote && tokenFile === undefined)
    p.add('http.allowRemote', 'needs a "tokenFile": remote clients must not write without a token');
  return Object.freeze({
    socket,
    socketMode,
    socketGroup,
    listen,
    tokenFile,
    allowRemote,
    connectionsMax,
    idleTimeoutMs,
    headersTimeoutMs,
    requestTimeoutMs,
  });
}

function socketPath(v: unknown, p: ConfigProblems): boolean {
  if (
    typeof v === 'string' &&
    isAbsolute(v) &&
    Buffer.byteLength(v) <= socketPathBytesMax &&
    !v.includes('\0')
  )
    return true;
  p.add('http.socket', `must be an absolute path of at most ${socketPathBytesMax} bytes, got ${describe(v)}`);
  return false;
}

/** An octal string ("0660"): JSON has no octal numbers, and 660 in decimal is not what anyone means. */
function parseMode(v: unknown, p: ConfigProblems): number {
  if (v === undefined) return defaultHttpConfig.socketMode;
  if (typeof v !== 'string' || !/^0?[0-7]{3}$/.test(v)) {
    p.add('http.socketMode', `must be an octal string like "0660", got ${describe(v)}`);
    return defaultHttpConfig.socketMode;
  }
  const mode = Number.parseInt(v, 8);
  if ((mode & 0o007) !== 0)
    p.add('http.socketMode', `${v} lets every local user write through the API; use "0660" and socketGroup`);
  if ((mode & 0o600) !== 0o600) p.add('http.socketMode', `${v} must give the owner read and write (0600)`);
  return mode;
}

function group(v: unknown, p: ConfigProblems): boolean {
  if (typeof v === 'string' && /^[A-Za-z_][A-Za-z0-9_.-]{0,31}\$?$/.test(v)) return true;
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 2 ** 32 - 1) return true;
  p.add('http.socketGroup', `must be a group name or a numeric gid, got ${describe(v)}`);
  return false;
}

function nonEmpty(path: string, v: unknown, p: ConfigProblems): boolean {
  if (typeof v === 'string' && v.length > 0 && !v.includes('\0')) return true;
  p.add(path, `must be a file path, got ${describe(v)}`);
  return false;
}
