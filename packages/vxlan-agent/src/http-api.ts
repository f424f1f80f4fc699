import { createServer, type Server } from 'node:http';
import type { GossipNode } from '@trellis/node';
import type { Logger } from '@trellis/runtime';
import type { Registry } from 'prom-client';

/**
 * The local HTTP API (loopback by default): read-only views of the members, the converged
 * routes and the overlays, and Prometheus metrics.
 */
export async function startHttpApi(opts: {
  listen: string;
  node: GossipNode;
  registry: Registry;
  logger: Logger;
}): Promise<Server> {
  const { node, registry } = opts;
  const json = (body: unknown): [number, string, string] => [
    200,
    'application/json',
    `${JSON.stringify(body, replacer, 2)}\n`,
  ];
  const handlers: Record<string, () => Promise<[number, string, string]> | [number, string, string]> = {
    '/v1/members': () => json(node.members()),
    '/v1/routes': () =>
      json(Object.fromEntries(node.overlays.map((o) => [o.name, node.routes.table(o.name)]))),
    '/v1/overlays': () =>
      json(
        node.overlays.map((o) => ({
          name: o.name,
          subnet: o.subnet,
          prefixLength: o.prefixLength,
          vni: o.vni,
          port: o.port,
          vtepSubnet: o.vtepSubnet,
          local: node.routes.local(o.name),
        })),
      ),
    '/metrics': async () => [200, registry.contentType, await registry.metrics()],
  };
  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const handler = handlers[path];
    const send = ([status, type, body]: [number, string, string]) => {
      res.writeHead(status, { 'content-type': type });
      res.end(body);
    };
    if (handler === undefined) return send([404, 'application/json', '{"error":"not found"}\n']);
    if (req.method !== 'GET') return send([405, 'application/json', '{"error":"method not allowed"}\n']);
    Promise.resolve(handler())
      .then(send)
      .catch((error: unknown) => {
        opts.logger.error({ err: error, path }, 'http handler failed');
        send([500, 'application/json', '{"error":"internal"}\n']);
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

/** Byte arrays (member metadata) as base64 in JSON. */
function replacer(_key: string, value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value).toString('base64') : value;
}
