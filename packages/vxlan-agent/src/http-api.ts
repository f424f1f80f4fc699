import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AgentNode } from './agent-node.js';
import { InvalidArgumentError, TrellisError, type Logger } from '@trellis/runtime';
import type { TaskNetwork } from '@trellis/tasks';
import type { Registry } from 'prom-client';

/** Task registration bodies are small; anything bigger is refused with 413. */
const bodyMaxBytes = 64 * 1024;
/**
 * An oversized body is still read (and discarded) up to this much, so the client gets its 413
 * instead of a connection reset; beyond it, the connection is cut.
 */
const drainMaxBytes = 1024 * 1024;

type Reply = readonly [status: number, type: string, body: string];

interface Request {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Reads and parses the JSON body (bounded); throws HttpError 400/413/415. */
  body(): Promise<unknown>;
}

/** A request the API refuses, with the HTTP status to answer. */
export class HttpError extends TrellisError {
  override readonly name = 'HttpError';
  readonly code = 'ERR_TRELLIS_HTTP';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface HttpApiOptions {
  readonly listen: string;
  readonly node: AgentNode;
  readonly registry: Registry;
  readonly logger: Logger;
  /** The agent IP tasks are registered with unless the request names one (the underlay IP). */
  readonly agentIp?: string;
}

/**
 * The local HTTP API (loopback by default): views of the members, the converged routes, the
 * overlays and the tasks; task registration for the container runtime's hooks
 * (`PUT`/`DELETE /v1/tasks/<id>`); and Prometheus metrics.
 */
export async function startHttpApi(opts: HttpApiOptions): Promise<Server> {
  const route = router(opts);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const request: Request = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: url.searchParams,
      body: () => readJson(req),
    };
    const send = ([status, type, body]: Reply) => {
      if (res.headersSent) return;
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    route(request)
      .then(send)
      .catch((error: unknown) => {
        if (error instanceof HttpError) return send(problem(error.status, error.message));
        if (error instanceof InvalidArgumentError) return send(problem(400, error.message));
        opts.logger.error({ err: error, path: url.pathname }, 'http handler failed');
        send(problem(500, 'internal error'));
      })
      .finally(() => {
        // A body we did not read (an error before it) must not keep the connection busy.
        if (!req.complete) req.resume();
      });
  });
  const at = opts.listen.lastIndexOf(':');
  const host = opts.listen.slice(0, at).replace(/^\[|\]$/g, '');
  const port = Number(opts.listen.slice(at + 1));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}

function router(opts: HttpApiOptions): (req: Request) => Promise<Reply> {
  const { node, registry } = opts;
  const get: Record<string, (req: Request) => Promise<Reply> | Reply> = {
    '/v1/members': () => json(200, node.members()),
    '/v1/routes': () =>
      json(
        200,
        Object.fromEntries(
          node.stores.routes.overlays.map((o) => [o.name, node.stores.routes.table(o.name)]),
        ),
      ),
    '/v1/overlays': () =>
      json(
        200,
        node.stores.routes.overlays.map((o) => ({
          name: o.name,
          subnet: o.subnet,
          prefixLength: o.prefixLength,
          vni: o.vni,
          port: o.port,
          vtepSubnet: o.vtepSubnet,
          local: node.stores.routes.local(o.name),
        })),
      ),
    '/v1/tasks': (req) =>
      json(200, req.query.get('local') === 'true' ? node.stores.tasks.local() : node.stores.tasks.list()),
    '/metrics': async () => [200, registry.contentType, await registry.metrics()],
  };
  return async (req) => {
    if (req.path.startsWith('/v1/tasks/')) return task(req, decodeId(req.path.slice('/v1/tasks/'.length)));
    const handler = get[req.path];
    if (handler === undefined) return problem(404, 'not found');
    if (req.method !== 'GET') return problem(405, 'method not allowed');
    return handler(req);
  };

  /** One task by id: GET (ours or anyone's), PUT (register ours), DELETE (withdraw ours). */
  async function task(req: Request, id: string): Promise<Reply> {
    switch (req.method) {
      case 'GET': {
        const found = node.stores.tasks.list().filter((e) => e.id === id);
        return found.length === 0 ? problem(404, `no task ${id}`) : json(200, found);
      }
      case 'PUT': {
        const body = await req.body();
        const known = node.stores.tasks.local().some((e) => e.id === id);
        const entry = node.stores.tasks.publish(taskInput(id, body, opts.agentIp));
        return json(known ? 200 : 201, entry);
      }
      case 'DELETE':
        return node.stores.tasks.withdraw(id)
          ? [204, 'application/json', '']
          : problem(404, `this agent runs no task ${id}`);
      default:
        return problem(405, 'method not allowed');
    }
  }
}

/** A registration body: `{ name, framework, agentIp?, networks?: [{ name, ipv4?, ipv6? }] }`. */
function taskInput(id: string, body: unknown, defaultAgentIp: string | undefined) {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, 'the body must be a JSON object { name, framework, agentIp?, networks? }');
  const b = body as Record<string, unknown>;
  const unknownKeys = Object.keys(b).filter((k) => !['name', 'framework', 'agentIp', 'networks'].includes(k));
  if (unknownKeys.length > 0) throw new HttpError(400, `unknown field(s): ${unknownKeys.join(', ')}`);
  const agentIp = b.agentIp ?? defaultAgentIp;
  // The store validates every field and lists every problem (InvalidArgumentError -> 400).
  return {
    id,
    name: b.name as string,
    framework: b.framework as string,
    agentIp: agentIp as string,
    ...(b.networks === undefined ? {} : { networks: b.networks as TaskNetwork[] }),
  };
}

function decodeId(raw: string): string {
  try {
    const id = decodeURIComponent(raw);
    if (id.length > 0 && !id.includes('/')) return id;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'the task id must be one non-empty, URL-encoded path segment');
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const type = req.headers['content-type'] ?? '';
  if (!type.startsWith('application/json')) throw new HttpError(415, 'send the body as application/json');
  const tooLarge = new HttpError(413, `the body may be at most ${bodyMaxBytes} bytes`);
  if (Number(req.headers['content-length'] ?? '0') > drainMaxBytes) throw tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= bodyMaxBytes) chunks.push(chunk);
    else if (size > drainMaxBytes) throw tooLarge;
  }
  if (size > bodyMaxBytes) throw tooLarge;
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
}

function json(status: number, body: unknown): Reply {
  return [status, 'application/json', `${JSON.stringify(body, replacer, 2)}\n`];
}

function problem(status: number, message: string): Reply {
  return json(status, { error: message });
}

/** Byte arrays (member metadata) as base64 in JSON. */
function replacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value;
}
