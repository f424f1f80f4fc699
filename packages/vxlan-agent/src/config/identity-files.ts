import type { KeyObject } from 'node:crypto';
import { isValidId } from '@trellis/membership';
import {
  IdentityError,
  NodeIdentity,
  certificateFromJson,
  publicKeyOf,
  type CertificateWire,
  type IdentityOptions,
  type Trust,
} from '@trellis/node';
import { parseJsonText, readSmallFile } from './config-file.js';
import type { FileProblems } from './file-problems.js';
import type { IdentityFiles } from './identity-config.js';
import { loadPrivateKeyFile } from './private-key-file.js';
import { parsePublicKeyBase64, parsePublicKeyText } from './public-key-text.js';

/**
 * Reads the identity's files and checks them against each other the way peers will: the
 * certificate is for `nodeId` and for the key in `keyFile`, has not expired at `now` (unix ms),
 * and is vouched for by the trust (signed by one of the CAs, or self-signed and on the
 * allowlist). Every problem is filed; undefined when there was any.
 */
export async function loadIdentity(
  files: IdentityFiles,
  nodeId: unknown,
  now: number,
  p: FileProblems,
): Promise<IdentityOptions | undefined> {
  const privateKey = await loadPrivateKeyFile(files.keyFile, 'identity.keyFile', p);
  const certificate = await loadCertificate(files.certificateFile, p);
  const trust = 'caFiles' in files ? await loadCas(files.caFiles, p) : await loadAllow(files.allowFile, p);
  if (privateKey === undefined || certificate === undefined || trust === undefined) return undefined;
  if (!isValidId(nodeId)) return undefined; // nodeId's own problem is already listed
  if (!matches(files, nodeId, privateKey, certificate, now, p)) return undefined;
  if ('allow' in trust && Buffer.from(trust.allow[nodeId] ?? []).compare(certificate.k) !== 0)
    return p.content(
      'identity.allowFile',
      `${files.certificateFile}'s key is not the one ${(files as { allowFile: string }).allowFile} lists for ${JSON.stringify(nodeId)}`,
    );
  const options: IdentityOptions = { privateKey, certificate, trust };
  try {
    new NodeIdentity(nodeId, options);
  } catch (error) {
    if (!(error instanceof IdentityError)) throw error;
    const why =
      'cas' in trust
        ? `is not signed by any CA of identity.caFiles (${(files as { caFiles: readonly string[] }).caFiles.join(', ')})`
        : "is not signed by its own key, as an allowlist cluster's certificates are (trellis-agent cert issue --self)";
    return p.content('identity.certificateFile', `${files.certificateFile} ${why}`);
  }
  return options;
}

/** The certificate names us, our key, and a time still to come. */
function matches(
  files: IdentityFiles,
  nodeId: string,
  privateKey: KeyObject,
  certificate: CertificateWire,
  now: number,
  p: FileProblems,
): boolean {
  const file = files.certificateFile;
  const before = p.list.count;
  if (certificate.i !== nodeId)
    p.content(
      'identity.certificateFile',
      `${file} is for ${JSON.stringify(certificate.i)}, not for this node (nodeId ${JSON.stringify(nodeId)})`,
    );
  if (Buffer.from(publicKeyOf(privateKey)).compare(certificate.k) !== 0)
    p.content('identity.certificateFile', `${file} certifies another key than the one in ${files.keyFile}`);
  if (certificate.n <= now)
    p.content(
      'identity.certificateFile',
      `${file} expired at ${new Date(certificate.n).toISOString()}: issue a new one (trellis-agent cert issue)`,
    );
  return p.list.count === before;
}

async function loadCertificate(file: string, p: FileProblems): Promise<CertificateWire | undefined> {
  const json = await readJson(file, 'identity.certificateFile', p);
  if (json === undefined) return undefined;
  return (
    certificateFromJson(json) ??
    p.content(
      'identity.certificateFile',
      `${file} must hold a certificate { "id", "publicKey", "notAfter", "signature" } (trellis-agent cert issue writes one)`,
    )
  );
}

async function loadCas(caFiles: readonly string[], p: FileProblems): Promise<Trust | undefined> {
  const cas: Uint8Array[] = [];
  for (const [i, file] of caFiles.entries()) {
    const path = `identity.caFiles[${i}]`;
    const read = await readSmallFile(file);
    if (!read.ok) {
      p.file(path, file, read);
      continue;
    }
    const key = parsePublicKeyText(read.text);
    if (key === undefined)
      p.content(path, `${file} must hold one line: the base64 of a 32-byte Ed25519 public key (ca.pub)`);
    else cas.push(key);
  }
  return cas.length === caFiles.length ? { cas } : undefined;
}

async function loadAllow(file: string, p: FileProblems): Promise<Trust | undefined> {
  const json = await readJson(file, 'identity.allowFile', p);
  if (json === undefined) return undefined;
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    return p.content('identity.allowFile', `${file} must hold { "<node id>": "<base64 public key>", ... }`);
  // No prototype: an id such as "__proto__" is a key like any other.
  const allow = Object.create(null) as Record<string, Uint8Array>;
  for (const [id, value] of Object.entries(json)) {
    const key = parsePublicKeyBase64(value);
    if (!isValidId(id) || key === undefined)
      p.content(
        'identity.allowFile',
        `${file}: ${JSON.stringify(id.slice(0, 64))} must be a node id mapped to the base64 of a 32-byte public key`,
      );
    else allow[id] = key;
  }
  return p.failed('identity.allowFile') ? undefined : { allow };
}

async function readJson(file: string, path: string, p: FileProblems): Promise<unknown> {
  const read = await readSmallFile(file);
  if (!read.ok) return p.file(path, file, read);
  const json = parseJsonText(read.text);
  return json.ok ? json.value : p.content(path, `${file} ${json.message}`);
}
