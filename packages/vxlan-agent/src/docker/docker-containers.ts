import type { TaskInput } from '@trellis/tasks';

/** Labels a container may carry to name its task (as DC/OS tasks are named by Marathon). */
export const taskLabel = 'trellis.task';
export const frameworkLabel = 'trellis.framework';
export const defaultFramework = 'docker';

/** The task id of a container: stable across agent restarts, unique per container. */
export function dockerTaskId(containerId: string): string {
  return `docker-${containerId.slice(0, 12)}`;
}

export function isDockerTaskId(id: string): boolean {
  return /^docker-[0-9a-f]{12}$/.test(id);
}

/**
 * The task record of a container attached to our networks, from `GET /containers/<id>/json`:
 * its `trellis.task` label or its name, its `trellis.framework` label or `docker`, and its
 * addresses (IPv4 and, on a dual-stack overlay, IPv6) on each overlay network it is attached
 * to. Undefined when the body is not a container.
 */
export function containerTask(
  body: unknown,
  overlays: ReadonlySet<string>,
  agentIp: string,
): TaskInput | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  const c = body as {
    Id?: unknown;
    Name?: unknown;
    Config?: { Labels?: Record<string, unknown> | null } | null;
    NetworkSettings?: {
      Networks?: Record<string, { IPAddress?: unknown; GlobalIPv6Address?: unknown } | null> | null;
    } | null;
  };
  if (typeof c.Id !== 'string' || typeof c.Name !== 'string') return undefined;
  const labels = c.Config?.Labels ?? {};
  const label = (k: string) => (typeof labels[k] === 'string' && labels[k] !== '' ? labels[k] : undefined);
  const text = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  const networks = Object.entries(c.NetworkSettings?.Networks ?? {})
    .filter(([name]) => overlays.has(name))
    .map(([name, n]) => ({ name, ipv4: text(n?.IPAddress), ipv6: text(n?.GlobalIPv6Address) }))
    .filter((n) => n.ipv4 !== undefined || n.ipv6 !== undefined)
    .map(({ name, ipv4, ipv6 }) => ({
      name,
      ...(ipv4 === undefined ? {} : { ipv4 }),
      ...(ipv6 === undefined ? {} : { ipv6 }),
    }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  if (networks.length === 0) return undefined;
  return {
    id: dockerTaskId(c.Id),
    name: label(taskLabel) ?? c.Name.replace(/^\//, ''),
    framework: label(frameworkLabel) ?? defaultFramework,
    agentIp,
    networks,
  };
}
