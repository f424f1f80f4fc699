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

/**
 * A certificate as member records carry it: without its id, which is the record's member id
 * (the signature still covers it, so it cannot be moved to another member).
 */
export type CertificateOnRecord = Omit<CertificateWire, 'i'>;

export function certificateOnRecord(c: CertificateWire): CertificateOnRecord {
  return Object.freeze({ k: c.k, n: c.n, s: c.s });
}

/** How gossip names a certificate (`certificateRef`). */
export const certificateRefBytes = 8;

/**
 * The first bytes of the certificate's signature: Ed25519 signatures are deterministic in the
 * signed bytes, so the signature is already a digest of id, key and expiry, and costs no hashing.
 * A collision could only make a receiver check a record against the key it holds for that id,
 * which refuses a record signed by any other key: a reference names, it never vouches.
 */
export function certificateRef(c: CertificateWire): Uint8Array {
  return c.s.subarray(0, certificateRefBytes);
}

/**
 * The one point where a peer's certificate becomes a typed value. Never throws. `forId` is the
 * id of the member record it came on, when the certificate leaves its own out.
 */
export function parseCertificate(raw: unknown, forId?: string): CertificateWire | undefined {
  try {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return undefined;
    const fields = raw as Record<string, unknown>;
    const { k, n, s } = fields;
    const i = fields.i ?? forId;
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
