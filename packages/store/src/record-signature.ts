import { SignedBytes, type FieldSink, type RecordSigning } from '@trellis/runtime';

/**
 * How one kind of record is signed: the fields its signature covers (the same function feeds
 * its digest hash), who must have signed it, and where the signature travels (`sg`).
 */
export interface RecordSignature<R> {
  /** Feeds every field but the signature, in the digest's order. */
  fields(r: R, sink: FieldSink): void;
  /** Who must have signed `r`: its owner (a shared table: its last writer). */
  signer(r: R): string;
}

/** Why a peer's record fails its signature check: not its owner's signature, or no admitted owner. */
export type SignatureReason = 'badSignature' | 'unknownSigner';

/** A record that may carry its signer's signature. */
export interface SignedRecord {
  readonly t: string;
  /** The signature over every other field (absent in a cluster without identity). */
  readonly sg?: Uint8Array;
}

/** The bytes `r`'s signature covers: its kind's tag as the domain, then its fields. */
export function signedPayload<R extends SignedRecord>(sig: RecordSignature<R>, r: R): Uint8Array {
  const bytes = new SignedBytes(`trellis-record-v1:${r.t}`);
  sig.fields(r, bytes);
  return bytes.finish();
}

/** `r` signed by us (unchanged in a cluster without identity). */
export function signRecord<R extends SignedRecord>(signing: RecordSigning, sig: RecordSignature<R>, r: R): R {
  if (!signing.enabled) return r;
  return Object.freeze({ ...r, sg: signing.sign(signedPayload(sig, r)) });
}

/** Is `r` signed by the member it must be signed by? Always, in a cluster without identity. */
export function signatureHolds<R extends SignedRecord>(
  signing: RecordSigning,
  sig: RecordSignature<R>,
  r: R,
): boolean {
  return !signing.enabled || signing.verify(sig.signer(r), signedPayload(sig, r), r.sg);
}

const signatureBytesMax = 64;

/**
 * A peer record's `sg` field: absent (undefined), a signature (a private copy), or `false` when it
 * is not one. Only its shape is checked here; whether it holds is `signatureHolds`'s question.
 */
export function parseSignatureField(v: unknown): Uint8Array | undefined | false {
  if (v === undefined) return undefined;
  if (!(v instanceof Uint8Array) || v.length === 0 || v.length > signatureBytesMax) return false;
  return Uint8Array.from(v);
}

/** `{ sg }` for a signature, `{}` without one: spread into a record so it carries it or not at all. */
export function withSignature(sg: Uint8Array | undefined): { readonly sg?: Uint8Array } {
  return sg === undefined ? {} : { sg };
}
