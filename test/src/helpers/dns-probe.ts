import { Resolver } from 'node:dns/promises';

/** What a real resolver gets for one name and type: the sorted addresses, or the error code. */
export type Resolution = readonly string[] | 'NXDOMAIN' | 'NODATA' | `error:${string}`;

/**
 * Node's own stub resolver (c-ares) pointed at one server: the client every test uses, so the
 * answers are checked the way an application would see them. ENOTFOUND is NXDOMAIN, ENODATA is
 * NODATA; anything else (a timeout, a refusal) is an error.
 */
export async function resolve(port: number, name: string, type: 'A' | 'AAAA'): Promise<Resolution> {
  const r = new Resolver({ timeout: 1000, tries: 2 });
  r.setServers([`127.0.0.1:${port}`]);
  try {
    const got = type === 'A' ? await r.resolve4(name) : await r.resolve6(name);
    return [...got].sort();
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'unknown';
    if (code === 'ENOTFOUND') return 'NXDOMAIN';
    if (code === 'ENODATA') return 'NODATA';
    return `error:${code}`;
  }
}

/** Polls until `check` holds for the resolution (bounded), returning the last one seen. */
export async function resolveUntil(
  port: number,
  name: string,
  type: 'A' | 'AAAA',
  check: (r: Resolution) => boolean,
  timeoutMs: number,
): Promise<{ ok: boolean; last: Resolution; ms: number }> {
  const start = Date.now();
  let last = await resolve(port, name, type);
  while (!check(last) && Date.now() - start < timeoutMs) {
    await new Promise((r) => setTimeout(r, 50));
    last = await resolve(port, name, type);
  }
  return { ok: check(last), last, ms: Date.now() - start };
}

export const same =
  (want: Resolution) =>
  (r: Resolution): boolean =>
    JSON.stringify(r) === JSON.stringify(want);
