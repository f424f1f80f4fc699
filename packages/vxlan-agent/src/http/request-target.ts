/** The parts of a request target the API routes on. */
export interface RequestTarget {
  readonly path: string;
  readonly query: URLSearchParams;
  /** `host[:port]` of an absolute-form target (`GET http://host/path`), lower-cased. */
  readonly authority: string | undefined;
}

// Visible ASCII only: the HTTP parser already refuses spaces and controls; this is the backstop.
const visible = /^[\x21-\x7e]+$/;
// RFC 3986 pchar and "/" (a path), and "?" too (a query); %XX must be complete.
const pathChars = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-Fa-f]{2})*$/;
const queryChars = /^(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*$/;

/**
 * Parses the raw request target without ever throwing: origin-form (`/v1/members?x=y`, taken
 * literally, so a leading `//` is a path and never a host; only RFC 3986 path and query
 * characters) or absolute-form with the http scheme. Anything else (`http://[`, `//[::1`, a
 * port over 65535, `*`, authority-form) is undefined: 400.
 */
export function parseTarget(raw: string | undefined): RequestTarget | undefined {
  if (raw === undefined || !visible.test(raw) || raw.length > 8192) return undefined;
  if (raw.startsWith('/')) {
    const q = raw.indexOf('?');
    const path = q < 0 ? raw : raw.slice(0, q);
    const query = q < 0 ? '' : raw.slice(q + 1);
    if (!pathChars.test(path) || !queryChars.test(query)) return undefined;
    return { path, query: new URLSearchParams(query), authority: undefined };
  }
  if (!/^http:\/\//i.test(raw)) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return undefined;
  }
  if (url.host === '' || url.username !== '' || url.password !== '') return undefined;
  return { path: url.pathname, query: url.searchParams, authority: url.host.toLowerCase() };
}
