import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { InvalidArgumentError, type Logger } from '@trellis/runtime';
import { hostPortOf } from '../config/host-port.js';
import type { HttpConfig } from '../config/http-config.js';
import { apiRoutes, type ApiRequest } from './api-routes.js';
import type { ApiSource } from './api-source.js';
import { authorizeWrite, type WritePolicy } from './bearer-auth.js';
import { ConnectionLimit } from './connection-limit.js';
import { allowedHosts, checkHost } from './host-check.js';
import { HttpStats, type ListenerName } from './http-stats.js';
import { readJson } from './json-body.js';
import { listenOnSocket, listenOnTcp } from './listeners.js';
import { HttpError, problem, type Reply } from './reply.js';
import { parseTarget } from './request-target.js';

export interface HttpApiOptions {
  /** Listeners and limits: the `http` config section. */
  readonly http: HttpConfig;
  /** The bearer token of TCP writes; undefined: no writes over TCP. */
  readonly token: string | undefined;
  /** Group given to the socket; undefined: the agent's own. */
  readonly socketGid: number | undefined;
  readonly source: ApiSource;
  /** The agent IP tasks are registered with unless the request names one (the underlay IP). */
  readonly agentIp: string | undefined;
  readonly logger: Logger;
  /** Counters to fill (the metrics registry reads them); a fresh set when absent. */
  readonly stats?: HttpStats;
}

export interface HttpApi {
  readonly socketPath: string;
  /** The TCP listener's address, when `http.listen` is set. */
  readonly tcp: AddressInfo | undefined;
  readonly stats: HttpStats;
  /** Stops both listeners, cuts open connections and removes the socket. */
  close(): Promise<void>;
}

/**
 * The local HTTP API on a unix socket (file permissions authorize every request) and, when
 * configured, a TCP listener (reads for anyone who reaches it, writes with the token). No
 * request line, header or body can end the process: what cannot be parsed gets 400.
 */
export async function startHttpApi(opts: HttpApiOptions): Promise<HttpApi> {
  const stats = opts.stats ?? new HttpStats();
  const route = apiRoutes(opts.source, opts.agentIp);
  const servers: Server[] = [];
  const serve = (name: ListenerName, policy: WritePolicy, listenHost?: string) => {
    const server = createApiServer(opts.http, stats, name);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      // Cut by the connection limit: the rest of a pipelined chunk is not worth an answer.
      if (req.socket.destroyed) return;
      stats.requests[name]++;
      handle(req, res, { route, policy, listenHost, stats, logger: opts.logger });
    });
    servers.push(server);
    return server;
  };
  let removeSocket: (() => Promise<void>) | undefined;
  let tcp: AddressInfo | undefined;
  const close = async () => {
    await Promise.all(servers.map((s) => closeServer(s)));
    await removeSocket?.();
  };
  try {
    const socketServer = serve('socket', { kind: 'socket' });
    removeSocket = await listenOnSocket(socketServer, {
      path: opts.http.socket,
      mode: opts.http.socketMode,
      gid: opts.socketGid,
    });
    if (opts.http.listen !== undefined) {
      const { host, port } = hostPortOf(opts.http.listen);
      tcp = await listenOnTcp(serve('tcp', { kind: 'token', token: opts.token }, host), host, port);
    }
  } catch (error) {
    await close();
    throw error;
  }
  for (const server of servers)
    // After listening, errors are accept failures (EMFILE): the listener stays, the process too.
    server.on('error', (error) => {
      stats.reject('acceptError');
      opts.logger.warn({ err: error }, 'http listener error');
    });
  return { socketPath: opts.http.socket, tcp, stats, close };
}

function createApiServer(http: HttpConfig, stats: HttpStats, name: ListenerName): Server {
  const server = createServer({
    headersTimeout: http.headersTimeoutMs,
    requestTimeout: http.requestTimeoutMs,
    keepAliveTimeout: http.idleTimeoutMs,
    // How often the header and request deadlines are checked (the default is 30 s).
    connectionsCheckingInterval: Math.min(1000, http.headersTimeoutMs),
    maxHeaderSize: 16 * 1024,
  });
  const limit = new ConnectionLimit(http.connectionsMax, stats, name);
  limit.attach(server);
  // A connection that sends nothing at all is closed after the idle timeout as well; one whose
  // answer is still being made is not idle (a CNI ADD waits for its fsync, seconds on a busy disk).
  server.setTimeout(http.idleTimeoutMs, (socket: Socket) => {
    if (!limit.busy(socket)) socket.destroy();
  });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    const status = clientErrorStatus(error.code);
    stats.reject(
      status === 408 ? 'timeout' : status === 431 ? 'headersTooLarge' : status === 0 ? 'reset' : 'malformed',
    );
    // Garbage after a good request: that request is still answered, then the connection ends.
    limit.whenIdle(socket, () => {
      if (status === 0 || !socket.writable || socket.bytesWritten > 0) {
        socket.destroy();
        return;
      }
      socket.end(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`,
      );
      setTimeout(() => socket.destroy(), 1000).unref();
    });
  });
  return server;
}

function clientErrorStatus(code: string | undefined): number {
  if (code === 'ECONNRESET' || code === 'EPIPE') return 0;
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

interface HandleContext {
  readonly route: (req: ApiRequest) => Promise<Reply>;
  readonly policy: WritePolicy;
  /** The TCP listener's host, for the Host check; undefined on the socket. */
  readonly listenHost: string | undefined;
  readonly stats: HttpStats;
  readonly logger: Logger;
}

function handle(req: IncomingMessage, res: ServerResponse, ctx: HandleContext): void {
  const send = (reply: Reply, reason?: string) => {
    if (reason !== undefined) ctx.stats.reject(reason);
    if (res.headersSent || res.destroyed) return;
    const close = reply.close === true;
    res.writeHead(reply.status, {
      'content-type': reply.type,
      'content-length': Buffer.byteLength(reply.body),
      ...(close ? { connection: 'close' } : {}),
      ...reply.headers,
    });
    res.end(reply.body);
    // A body we did not read is drained (within requestTimeout), so the client gets its answer
    // instead of a reset; the refusals that must not wait for it close the connection instead.
    if (!req.complete && !close) req.resume();
  };
  const target = parseTarget(req.url);
  if (target === undefined)
    return send(problem(400, 'the request target is not a valid path', { close: true }), 'badTarget');
  if (ctx.listenHost !== undefined) {
    const refused = checkHost(req, allowedHosts(ctx.listenHost, req), target.authority);
    if (refused !== undefined) return send(refused, refused.status === 421 ? 'wrongHost' : 'badHost');
  }
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET');
  if (method !== 'GET') {
    const refused = authorizeWrite(req, ctx.policy);
    if (refused !== undefined) return send(refused, refused.status === 401 ? 'unauthorized' : 'forbidden');
  }
  ctx
    .route({ method, path: target.path, query: target.query, body: () => readJson(req) })
    .then((reply) => send(reply, reply.status >= 400 ? 'invalidRequest' : undefined))
    .catch((error: unknown) => {
      if (error instanceof HttpError) return send(problem(error.status, error.message), error.reason);
      if (error instanceof InvalidArgumentError) return send(problem(400, error.message), 'invalidRequest');
      ctx.logger.error({ err: error, path: target.path }, 'http handler failed');
      send(problem(500, 'internal error'));
    });
}

async function closeServer(server: Server): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await closed;
}
