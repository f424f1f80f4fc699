import type { TaskInput, TaskNetwork } from '@trellis/tasks';
import { HttpError } from './reply.js';

const fields = ['name', 'framework', 'agentIp', 'networks'];

/**
 * A registration body: `{ name, framework, agentIp?, networks?: [{ name, ipv4?, ipv6? }] }`.
 * Networks must be overlays this agent routes: DNS would otherwise answer addresses no
 * container can be reached at. The store checks every other field and lists every problem.
 */
export function taskInput(
  id: string,
  body: unknown,
  defaultAgentIp: string | undefined,
  overlays: readonly string[],
): TaskInput {
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new HttpError(400, 'the body must be a JSON object { name, framework, agentIp?, networks? }');
  const b = body as Record<string, unknown>;
  const unknownKeys = Object.keys(b).filter((k) => !fields.includes(k));
  if (unknownKeys.length > 0) throw new HttpError(400, `unknown field(s): ${unknownKeys.join(', ')}`);
  if (Array.isArray(b.networks)) {
    const foreign = (b.networks as unknown[]).flatMap((n, i) => {
      const name = typeof n === 'object' && n !== null ? (n as { name?: unknown }).name : undefined;
      return typeof name === 'string' && !overlays.includes(name)
        ? [`networks[${i}].name ${JSON.stringify(name)}`]
        : [];
    });
    if (foreign.length > 0)
      throw new HttpError(
        400,
        `${foreign.join(', ')}: not an overlay of this agent (${overlays.length === 0 ? 'it routes none' : overlays.join(', ')})`,
      );
  }
  return {
    id,
    name: b.name as string,
    framework: b.framework as string,
    agentIp: (b.agentIp ?? defaultAgentIp) as string,
    ...(b.networks === undefined ? {} : { networks: b.networks as TaskNetwork[] }),
  };
}

export function decodeTaskId(raw: string): string {
  try {
    const id = decodeURIComponent(raw);
    if (id.length > 0 && !id.includes('/')) return id;
  } catch {
    // fall through
  }
  throw new HttpError(400, 'the task id must be one non-empty, URL-encoded path segment');
}
