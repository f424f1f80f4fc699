import type { Allocation, Attachment } from '../cni/allocation-table.js';
import type { AddCall, CniService } from '../cni/cni-service.js';
import { CniStateError } from '../cni/cni-errors.js';
import { isInterfaceName } from '../cni-plugin/cni-invocation.js';
import type { ApiRequest } from './api-routes.js';
import { HttpError, json, problem, type Reply } from './reply.js';

const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const idMax = 200;
const addFields = new Set(['network', 'containerId', 'ifname', 'args', 'labels', 'framework']);
const pairsMax = 64;

/**
 * The plugin's API: `POST /v1/cni/allocations` (ADD), `GET`/`DELETE
 * /v1/cni/allocations/<network>/<container>/<ifname>` (CHECK, DEL), `GET /v1/cni/allocations`,
 * `POST /v1/cni/gc` and `GET /v1/cni/status`. Bad input is a 400 that says what is wrong.
 */
export function cniRoutes(
  cni: CniService | undefined,
  now: () => number,
): (req: ApiRequest) => Promise<Reply> {
  return async (req) => {
    if (cni === undefined) return problem(404, 'CNI is off on this agent (no "cni" section in its config)');
    const rest = req.path.slice('/v1/cni/'.length);
    if (rest === 'status' && req.method === 'GET')
      return json(200, { agent: cni.agent, networks: cni.status() });
    if (rest === 'gc' && req.method === 'POST') {
      const { network, keep } = gcCall(await req.body(), cni.table.networks);
      return json(200, { released: (await persisting(() => cni.gc(network, keep))).map(view) });
    }
    if (rest === 'allocations') {
      if (req.method === 'GET')
        return json(200, cni.table.list(req.query.get('network') ?? undefined).map(view));
      if (req.method === 'POST') return add(cni, now(), addCall(await req.body(), cni.table.networks));
      return problem(405, 'method not allowed', { headers: { allow: 'GET, HEAD, POST' } });
    }
    if (rest.startsWith('allocations/')) {
      const a = attachmentOf(rest.slice('allocations/'.length));
      if (req.method === 'GET') {
        const held = cni.table.get(a);
        return held === undefined
          ? problem(404, `no address held for ${a.containerId}/${a.ifname} on ${a.network}`)
          : json(200, view(held));
      }
      if (req.method === 'DELETE') {
        await persisting(() => cni.release(a));
        return { status: 204, type: 'application/json', body: '' };
      }
      return problem(405, 'method not allowed', { headers: { allow: 'GET, HEAD, DELETE' } });
    }
    return problem(404, 'not found');
  };
}

async function add(cni: CniService, now: number, call: AddCall): Promise<Reply> {
  const outcome = await persisting(() => cni.add(now, call));
  if (outcome.ok) return json(outcome.created ? 201 : 200, { ...view(outcome.allocation), dns: cni.dns });
  if (outcome.reason === 'notReady')
    return problem(503, outcome.message, { headers: { 'retry-after': '1' } });
  return json(409, { error: outcome.error.message, code: outcome.error.code });
}

/** A failed write is the agent's trouble (500 with its code), not the client's. */
async function persisting<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (error) {
    if (error instanceof CniStateError) throw new HttpError(500, error.message, 'cniState');
    throw error;
  }
}

/** The allocation with each address in CIDR form, as a CNI result lists it. */
function view(a: Allocation): object {
  return {
    ...a,
    ...(a.ipv4 === undefined ? {} : { address: `${a.ipv4}/${a.prefixLength}` }),
    ...(a.ipv6 === undefined ? {} : { address6: `${a.ipv6}/${a.prefixLength6}` }),
  };
}

function addCall(body: unknown, networks: readonly string[]): AddCall {
  const b = object(
    body,
    'the body must be a JSON object { network, containerId, ifname, args?, labels?, framework? }',
  );
  const unknown = Object.keys(b).filter((k) => !addFields.has(k));
  if (unknown.length > 0) throw new HttpError(400, `unknown field(s): ${unknown.join(', ')}`);
  const a = attachment(b.network, b.containerId, b.ifname, networks);
  if (
    b.framework !== undefined &&
    (typeof b.framework !== 'string' || b.framework.length === 0 || b.framework.length > 255)
  )
    throw new HttpError(400, 'framework must be a string of 1-255 characters');
  return {
    ...a,
    args: pairs('args', b.args),
    labels: pairs('labels', b.labels),
    framework: b.framework,
  };
}

function gcCall(body: unknown, networks: readonly string[]) {
  const b = object(body, 'the body must be a JSON object { network, keep: [{ containerId, ifname }] }');
  if (typeof b.network !== 'string' || !networks.includes(b.network))
    throw new HttpError(400, `network must be one of this agent's overlays (${networks.join(', ')})`);
  if (!Array.isArray(b.keep) || b.keep.length > 1_000_000)
    throw new HttpError(400, 'keep must be a list of { containerId, ifname }');
  const keep = (b.keep as unknown[]).map((k, i) => {
    const o = k as { containerId?: unknown; ifname?: unknown } | null;
    if (typeof o?.containerId !== 'string' || typeof o.ifname !== 'string')
      throw new HttpError(400, `keep[${i}] must be { containerId, ifname } (strings)`);
    return { containerId: o.containerId, ifname: o.ifname };
  });
  return { network: b.network, keep };
}

function attachmentOf(path: string): Attachment {
  const parts = path.split('/');
  if (parts.length !== 3)
    throw new HttpError(400, 'the path is /v1/cni/allocations/<network>/<containerId>/<ifname>');
  let decoded: string[];
  try {
    decoded = parts.map((p) => decodeURIComponent(p));
  } catch {
    throw new HttpError(400, 'the path segments must be URL-encoded');
  }
  // DEL of a network this agent no longer routes is a no-op, not an error: do not check it here.
  return attachment(decoded[0], decoded[1], decoded[2], undefined);
}

function attachment(
  network: unknown,
  containerId: unknown,
  ifname: unknown,
  networks: readonly string[] | undefined,
): Attachment {
  const problems: string[] = [];
  if (typeof network !== 'string' || (networks !== undefined && !networks.includes(network)))
    problems.push(
      `network must be one of this agent's overlays${networks === undefined ? '' : ` (${networks.join(', ')})`}, got ${JSON.stringify(network ?? null)}`,
    );
  if (typeof containerId !== 'string' || containerId.length > idMax || !idPattern.test(containerId))
    problems.push(`containerId must be 1-${idMax} letters, digits, _ . - starting alphanumeric`);
  if (typeof ifname !== 'string' || !isInterfaceName(ifname))
    problems.push('ifname must be an interface name (1-15 characters, no / : or space)');
  if (problems.length > 0) throw new HttpError(400, problems.join('; '));
  return { network: network as string, containerId: containerId as string, ifname: ifname as string };
}

function pairs(what: string, v: unknown): Record<string, string> {
  if (v === undefined) return {};
  const o = object(v, `${what} must be an object of strings`);
  const entries = Object.entries(o);
  if (entries.length > pairsMax) throw new HttpError(400, `${what} may have at most ${pairsMax} entries`);
  const out: Record<string, string> = {};
  for (const [k, s] of entries) {
    if (typeof s !== 'string' || k.length > 255 || s.length > 4096)
      throw new HttpError(400, `${what}.${k.slice(0, 64)} must be a string of at most 4096 characters`);
    Object.defineProperty(out, k, { value: s, enumerable: true, writable: true });
  }
  return out;
}

function object(v: unknown, message: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new HttpError(400, message);
  return v as Record<string, unknown>;
}
