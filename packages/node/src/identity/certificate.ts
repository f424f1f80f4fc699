import { SignedBytes } from '@trellis/runtime';
import type { KeyObject } from 'node:crypto';
import { publicKeyBytes, signBytes, signatureBytes } from './ed25519.js';

/**
 * A node certificate as it travels (a msgpack map inside member records): node id `i` bound to
 * its Ed25519 public key `k` until `n` (unix ms), signed `s` by a cluster CA — or, in an
 * allowlist cluster, by the node itself (proof that it holds the key the allowlist names).
 */
export interface CertificateWire {
  readonly i: string;
  readonly k: Uint8Array;
  readonly n: number;
  readonly s: Uint8Array;
}

const idMax = 128;

/** The bytes a certificate's signature covers. */
export function certificatePayload(id: string, publicKey: Uint8Array, notAfter: number): Uint8Array {
  return new SignedBytes('trellis-certificate-v1').string(id).bytes(publicKey).uint(notAfter).finish();
}

/** A certificate for `id` and `publicKey`, signed with `signer` (a CA key, or the node's own). */
export function issueCertificate(
  signer: KeyObject,
  id: string,
  publicKey: Uint8Array,
  notAfter: number,
): CertificateWire {
  return Object.freeze({
    i: id,
    k: Uint8Array.from(publicKey),
    n: notAfter,
    s: signBytes(signer, certificatePayload(id, publicKey, notAfter)),
  });
}

/** The one point where a peer's certificate becomes a typed value. Never throws. */
export function parseCertificate(raw: unknown): CertificateWire | undefined {
  try {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
    const { i, k, n, s } = raw as Record<string, unknown>;
    if (typeof i !== 'string' || i.length === 0 || i.length > idMax) return undefined;
    if (!(k instanceof Uint8Array) || k.length !== publicKeyBytes) return undefined;
    if (!Number.isSafeInteger(n) || (n as number) < 0) return undefined;
    if (!(s instanceof Uint8Array) || s.length !== signatureBytes) return undefined;
    return Object.freeze({ i, k: Uint8Array.from(k), n: n as number, s: Uint8Array.from(s) });
  } catch {
    return undefined;
  }
}

/** Certificates as JSON files hold them: base64 for the bytes. */
export function certificateToJson(c: CertificateWire): {
  id: string;
  publicKey: string;
  notAfter: string;
  signature: string;
} {
  return {
    id: c.i,
    publicKey: Buffer.from(c.k).toString('base64'),
    notAfter: new Date(c.n).toISOString(),
    signature: Buffer.from(c.s).toString('base64'),
  };
}

export function certificateFromJson(json: unknown): CertificateWire | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const { id, publicKey, notAfter, signature } = json as Record<string, unknown>;
  if (typeof publicKey !== 'string' || typeof signature !== 'string' || typeof notAfter !== 'string')
    return undefined;
  return parseCertificate({
    i: id,
    k: new Uint8Array(Buffer.from(publicKey, 'base64')),
    n: Date.parse(notAfter),
    s: new Uint8Array(Buffer.from(signature, 'base64')),
  });
}
