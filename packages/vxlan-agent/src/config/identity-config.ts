import { describe, type ConfigProblems } from '@trellis/runtime';

/**
 * The files of the agent's identity: its Ed25519 key, its certificate, and whom it trusts (the
 * cluster CAs, several during a CA rotation, or an allowlist of public keys).
 */
export type IdentityFiles = {
  readonly keyFile: string;
  readonly certificateFile: string;
} & ({ readonly caFiles: readonly string[] } | { readonly allowFile: string });

/** `"identity": "none"` runs without one (records unsigned), on purpose. */
export type IdentitySetting = IdentityFiles | 'none';

const example =
  '{ "keyFile": "/etc/trellis/identity/node.key", "certificateFile": "/etc/trellis/identity/node.cert.json", "caFiles": ["/etc/trellis/ca.pub"] }';
const known = new Set(['keyFile', 'certificateFile', 'caFiles', 'allowFile']);
const caFilesMax = 16;

/**
 * The `identity` setting's shape (the files themselves are read by the loader). Required: an
 * agent that forgot it must not silently run without, so leaving it out is a problem that says
 * how to add it or how to opt out.
 */
export function parseIdentitySetting(v: unknown, p: ConfigProblems): IdentitySetting | undefined {
  if (v === 'none') return 'none';
  if (v === undefined) {
    p.add(
      'identity',
      `is required: add ${example} (made by trellis-agent ca init and cert issue), or write "identity": "none" to run without node identity`,
    );
    return undefined;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    p.add('identity', `must be "none" or ${example}, got ${describe(v)}`);
    return undefined;
  }
  const c = v as Record<string, unknown>;
  const before = p.count;
  for (const key of Object.keys(c))
    if (!known.has(key)) p.add(`identity.${key}`, 'is not an identity setting');
  const keyFile = path(c, 'keyFile', p);
  const certificateFile = path(c, 'certificateFile', p);
  const trust = trustFiles(c, p);
  if (p.count > before || keyFile === undefined || certificateFile === undefined || trust === undefined)
    return undefined;
  return Object.freeze({ keyFile, certificateFile, ...trust });
}

function trustFiles(
  c: Record<string, unknown>,
  p: ConfigProblems,
): { caFiles: readonly string[] } | { allowFile: string } | undefined {
  if ((c.caFiles === undefined) === (c.allowFile === undefined)) {
    p.add(
      'identity',
      'must name exactly one of "caFiles" (the cluster CAs\' public key files) or "allowFile" (an allowlist of node public keys)',
    );
    return undefined;
  }
  if (c.allowFile !== undefined) {
    const allowFile = path(c, 'allowFile', p);
    return allowFile === undefined ? undefined : { allowFile };
  }
  const list = c.caFiles;
  if (!Array.isArray(list) || list.length === 0 || list.length > caFilesMax) {
    p.add('identity.caFiles', `must list 1-${caFilesMax} CA public key files, got ${describe(list)}`);
    return undefined;
  }
  const before = p.count;
  list.forEach((f, i) => {
    if (typeof f !== 'string' || f.length === 0)
      p.add(`identity.caFiles[${i}]`, `must be a file path, got ${describe(f)}`);
  });
  return p.count > before ? undefined : { caFiles: Object.freeze([...(list as string[])]) };
}

function path(c: Record<string, unknown>, key: string, p: ConfigProblems): string | undefined {
  const v = c[key];
  if (typeof v === 'string' && v.length > 0) return v;
  p.add(`identity.${key}`, `must be a file path, got ${describe(v)}`);
  return undefined;
}
