import { json, problem, type Reply } from './reply.js';
import type { ApiSource } from './api-source.js';
import { statusPageAsset } from './status-page.js';
import { cniRoutes } from './cni-routes.js';
import { decodeTaskId, taskInput } from './task-registration.js';

/** A parsed request as the routes see it: authorization is done, the body not yet read. */
export interface ApiRequest {
  /** GET for HEAD too: the server leaves the body out. */
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Reads and parses the JSON body (bounded); throws HttpError 400/413/415. */
  body(): Promise<unknown>;
}

const reads = 'GET, HEAD';

/**
 * The API: views of the members, the converged routes, the overlays, the tasks and the status;
 * task registration for the container runtime's hooks (`PUT`/`DELETE /v1/tasks/<id>`);
 * Prometheus metrics; and the status page (`/`, its script and style, and `/v1/overview`).
 * task registration for the container runtime's hooks (`PUT`/`DELETE /v1/tasks/<id>`); the
 * CNI plugin's allocations (`/v1/cni/...`, see cni-routes.ts); and Prometheus metrics.
 */
export function apiRoutes(
  source: ApiSource,
  agentIp: string | undefined,
): (req: ApiRequest) => Promise<Reply> {
  const get: Record<string, (req: ApiRequest) => Promise<Reply> | Reply> = {
    '/v1/status': () => json(200, source.status()),
    '/v1/members': () => json(200, source.members()),
    '/v1/routes': () => json(200, source.routes()),
    '/v1/overlays': () => json(200, source.overlays()),
    '/v1/tasks': (req) => json(200, source.tasks(req.query.get('local') === 'true')),
    '/v1/overview': async () => json(200, await source.overview()),
    '/metrics': async () => {
      const m = await source.metrics();
      return { status: 200, type: m.contentType, body: m.body };
    },
  };
  const cni = cniRoutes(source.cni, Date.now);
  return async (req) => {
    if (req.path.startsWith('/v1/cni/')) return cni(req);
    if (req.path.startsWith('/v1/tasks/'))
      return task(req, decodeTaskId(req.path.slice('/v1/tasks/'.length)));
    const asset = statusPageAsset(req.path);
    const handler = asset === undefined ? get[req.path] : () => asset;
    if (handler === undefined) return problem(404, 'not found');
    if (req.method !== 'GET') return problem(405, 'method not allowed', { headers: { allow: reads } });
    return handler(req);
  };

  /** One task by id: GET (ours or anyone's), PUT (register ours), DELETE (withdraw ours). */
  async function task(req: ApiRequest, id: string): Promise<Reply> {
    switch (req.method) {
      case 'GET': {
        const found = source.tasks(false).filter((e) => e.id === id);
        return found.length === 0 ? problem(404, `no task ${id}`) : json(200, found);
      }
      case 'PUT': {
        const input = taskInput(id, await req.body(), agentIp, source.overlayNames());
        const known = source.hasLocalTask(id);
        return json(known ? 200 : 201, source.publishTask(input));
      }
      case 'DELETE':
        return source.withdrawTask(id)
          ? { status: 204, type: 'application/json', body: '' }
          : problem(404, `this agent runs no task ${id}`);
      default:
        return problem(405, 'method not allowed', { headers: { allow: `${reads}, PUT, DELETE` } });
    }
  }
}
