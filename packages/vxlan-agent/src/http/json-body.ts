import type { IncomingMessage } from 'node:http';
import { HttpError } from './reply.js';

/** Task registration bodies are small; anything bigger is refused with 413. */
export const bodyMaxBytes = 64 * 1024;
/**
 * An oversized body is still read (and discarded) up to this much, so the client gets its 413
 * instead of a connection reset; beyond it, the connection is cut.
 */
const drainMaxBytes = 1024 * 1024;

/** `application/json`, with parameters or not; `application/jsonx` and the like are not JSON. */
export function isJsonType(header: string | undefined): boolean {
  return header?.split(';')[0]?.trim().toLowerCase() === 'application/json';
}

/** Reads and parses a JSON body (bounded); throws HttpError 400/413/415. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  if (!isJsonType(req.headers['content-type']))
    throw new HttpError(415, 'send the body as application/json', 'unsupportedType');
  const tooLarge = new HttpError(413, `the body may be at most ${bodyMaxBytes} bytes`, 'bodyTooLarge');
  if (Number(req.headers['content-length'] ?? '0') > drainMaxBytes) throw tooLarge;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= bodyMaxBytes) chunks.push(chunk);
    else if (size > drainMaxBytes) throw tooLarge;
  }
  if (size > bodyMaxBytes) throw tooLarge;
  let value: unknown;
  try {
    value = JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
  } catch {
    throw new HttpError(400, 'the body is not valid JSON', 'badJson');
  }
  if (nestsDeeper(value, nestingMax))
    throw new HttpError(400, `the body is nested deeper than ${nestingMax} levels`, 'badJson');
  return value;
}

/**
 * A registration nests four levels. JSON.parse takes any depth, but what checks and describes
 * the value afterwards recurses (JSON.stringify of 30,000 nested arrays overflows the stack).
 */
const nestingMax = 32;

/** Walks the value with a stack of its own, so the walk itself cannot overflow. */
function nestsDeeper(value: unknown, max: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [v, depth] = next;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) pending.push([child, depth + 1]);
  }
  return false;
}
