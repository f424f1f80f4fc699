import { ConfigError } from '@trellis/runtime';
import { ConfigAccessError } from '../config/file-problems.js';
import { PermissionError } from '../executor/errors.js';

/** Exit codes of every trellis-agent command (documented in the README). */
export const exitCodes = Object.freeze({
  ok: 0,
  /** Anything at run time: a port in use, an agent that does not answer. */
  runtime: 1,
  /** A bad config or command line: fix the input. */
  config: 2,
  /** Not allowed: a file or socket we may not open, no CAP_NET_ADMIN. */
  permission: 3,
});

/** Classifies an error by what the operator has to do about it. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof ConfigError) return exitCodes.config;
  if (error instanceof ConfigAccessError || error instanceof PermissionError) return exitCodes.permission;
  // Errors wrap their causes (BindError around EACCES for port 53 without CAP_NET_BIND_SERVICE).
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM') return exitCodes.permission;
  }
  return exitCodes.runtime;
}

/** The message, with the causes a wrapper left out (never a stack: these are for operators). */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, depth = 0; e !== undefined && depth < 4; depth++) {
    const message = e instanceof Error ? e.message : typeof e === 'string' ? e : 'unknown error';
    if (!parts.some((p) => p.includes(message))) parts.push(message);
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(': ');
}
