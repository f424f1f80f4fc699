import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { problem, type Reply } from './reply.js';

/**
 * Who may write through a listener. On the unix socket the file's mode and group already
 * decided (the kernel checks them at connect); on TCP a write needs `Authorization: Bearer
 * <token>`: 401 without one, 403 with a wrong one (or when no token is configured at all).
 */
export type WritePolicy =
  { readonly kind: 'socket' } | { readonly kind: 'token'; readonly token: string | undefined };

export function authorizeWrite(req: IncomingMessage, policy: WritePolicy): Reply | undefined {
  if (policy.kind === 'socket') return undefined;
  const header = req.headersDistinct.authorization;
  if (header === undefined)
    return problem(401, 'writes over TCP need "Authorization: Bearer <token>" (or use the unix socket)', {
      headers: { 'www-authenticate': 'Bearer realm="trellis-agent"' },
      close: true,
    });
  const m = header.length === 1 ? /^Bearer +([\x21-\x7e]+) *$/i.exec(header[0]!) : null;
  if (policy.token === undefined || m === null || !sameSecret(m[1]!, policy.token))
    return problem(403, 'the token is not accepted here', { close: true });
  return undefined;
}

/** Compares digests, so neither the length nor the content leaks through timing. */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}
