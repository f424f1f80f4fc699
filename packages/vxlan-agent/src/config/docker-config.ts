import { isAbsolute } from 'node:path';
import type { ConfigProblems } from '@trellis/runtime';

/** The `docker` section: when present, the agent keeps one Docker network per overlay. */
export interface DockerConfig {
  /** The Docker daemon's API socket. */
  readonly socket: string;
  /** Networks and container tasks are checked this often, besides Docker's events. */
  readonly resyncIntervalMs: number;
}

const known = new Set(['socket', 'resyncIntervalMs']);

/**
 * Only the shape is checked here: the daemon may start after the agent, or restart under it,
 * so a socket that is not there yet is reported at run time and retried, never a config error.
 */
export function parseDockerSection(v: unknown, p: ConfigProblems): DockerConfig | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    p.add('docker', 'must be an object: { "socket": "/var/run/docker.sock" }');
    return undefined;
  }
  const d = v as Record<string, unknown>;
  const before = p.count;
  for (const key of Object.keys(d)) if (!known.has(key)) p.add(`docker.${key}`, 'is not a docker setting');
  const socket = d.socket ?? '/var/run/docker.sock';
  if (typeof socket !== 'string' || !isAbsolute(socket))
    p.add('docker.socket', `must be an absolute path, got ${JSON.stringify(socket)}`);
  const resync = d.resyncIntervalMs ?? 30_000;
  p.integer('docker.resyncIntervalMs', resync, 1000, 86_400_000);
  if (p.count > before) return undefined;
  return Object.freeze({ socket: socket as string, resyncIntervalMs: resync as number });
}
