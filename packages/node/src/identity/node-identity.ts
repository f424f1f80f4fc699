import type { KeyObject } from 'node:crypto';
import { TrellisError, type Instant, type RecordSigning } from '@trellis/runtime';
import {
  certificateOnRecord,
  certificatePayload,
  certificateRef,
  issueCertificate,
  parseCertificate,
  type CertificateOnRecord,
  type CertificateWire,
} from './certificate.js';
import { publicKeyObject, publicKeyOf, signBytes, signatureBytes, verifyCached } from './ed25519.js';

/** Who vouches for a node's key: a cluster CA (several during a rotation), or an allowlist. */
export type Trust =
  { readonly cas: readonly Uint8Array[] } | { readonly allow: Readonly<Record<string, Uint8Array>> };

export interface IdentityOptions {
  /** This node's Ed25519 private key. */
  readonly privateKey: KeyObject;
  /** Its certificate: CA-signed, or (with an allowlist) self-signed (`selfCertificate`). */
  readonly certificate: CertificateWire;
  readonly trust: Trust;
}

/** A local identity that cannot work: a certificate for another id or key, or one the trust refuses. */
export class IdentityError extends TrellisError {
  override readonly name = 'IdentityError';
  readonly code = 'ERR_TRELLIS_IDENTITY';
}

/**
 * A node's identity as the cores see it (`RecordSigning`): its Ed25519 key signs what it writes,
 * and the certificates members present decide whose signatures count. Admission is cached per
 * certificate and verification per (signer's key, signature, payload) (`verifyCached`, shared by
 * the process), so that merging an unchanged table costs no signature check.
 */
export class NodeIdentity implements RecordSigning {
  readonly enabled = true;
  readonly certificate: CertificateWire;
  readonly #key: KeyObject;
  readonly #cas: Uint8Array[];
  readonly #allow: ReadonlyMap<string, string> | undefined;
  readonly #admitted = new Map<string, Admitted>();

  constructor(id: string, opts: IdentityOptions) {
    this.#key = opts.privateKey;
    this.certificate = opts.certificate;
    if ('cas' in opts.trust) {
      this.#cas = opts.trust.cas.map((raw) =>
        publicKeyObject(raw) !== undefined ? raw : fail('a trusted CA key is not an Ed25519 public key'),
      );
      if (this.#cas.length === 0) fail('no CA is trusted: give at least one CA public key');
    } else {
      this.#cas = [];
      this.#allow = new Map(
        Object.entries(opts.trust.allow).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
      );
    }
    const own = publicKeyOf(opts.privateKey);
    if (opts.certificate.i !== id)
      fail(`the certificate is for ${JSON.stringify(opts.certificate.i)}, not ${JSON.stringify(id)}`);
    if (!Buffer.from(own).equals(Buffer.from(opts.certificate.k)))
      fail('the certificate names another public key than this private key');
    const refused = this.#check(id, opts.certificate);
    if (refused !== undefined) fail(`this node's own certificate is refused: ${refused}`);
    this.#admitted.set(id, admittedOf(opts.certificate));
  }

  sign(payload: Uint8Array): Uint8Array {
    return signBytes(this.#key, payload);
  }

  admit(id: string, raw: unknown, now: Instant): string | undefined {
    const held = this.#admitted.get(id);
    const known = held?.cert;
    // Our own records come back with the very object we sent: no need to parse it again.
    const cert = held !== undefined && raw === held.onRecord ? known : parseCertificate(raw, id);
    if (cert === undefined) return 'badCertificate';
    if (cert.i !== id) return 'certificateMismatch';
    if (now > cert.n) return 'certificateExpired';
    if (known !== undefined && sameCertificate(known, cert)) return undefined;
    const refused = this.#check(id, cert);
    if (refused !== undefined) return refused;
    // Only a certificate that expires later (a renewal, a rotation) replaces the admitted one:
    // with a tie, two certificates of one id, both replayable by anyone, would trade places.
    if (known !== undefined && known.n >= cert.n) return 'certificateSuperseded';
    this.#admitted.set(id, admittedOf(cert));
    return undefined;
  }

  admitted(id: string, now: Instant): boolean {
    const who = this.#admitted.get(id);
    return who !== undefined && now <= who.cert.n;
  }

  /** As member records carry it (`CertificateOnRecord`: the id is the record's). */
  certificateOf(id: string): CertificateOnRecord | undefined {
    return this.#admitted.get(id)?.onRecord;
  }

  certificateRef(id: string): Uint8Array | undefined {
    return this.#admitted.get(id)?.ref;
  }

  holdsCertificate(id: string, ref: Uint8Array): boolean {
    const held = this.#admitted.get(id)?.ref;
    return held !== undefined && Buffer.from(held.buffer, held.byteOffset, held.length).equals(ref);
  }

  verify(signer: string, payload: Uint8Array, signature: unknown): boolean {
    const who = this.#admitted.get(signer);
    if (who === undefined || !(signature instanceof Uint8Array) || signature.length !== signatureBytes)
      return false;
    return verifyCached(who.cert.k, payload, signature);
  }

  /** Why the trust refuses `cert` for `id`, or undefined. */
  #check(id: string, cert: CertificateWire): string | undefined {
    const payload = certificatePayload(cert.i, cert.k, cert.n);
    if (this.#allow !== undefined) {
      if (this.#allow.get(id) !== Buffer.from(cert.k).toString('base64')) return 'notAllowed';
      return verifyCached(cert.k, payload, cert.s) ? undefined : 'badCertificate';
    }
    return this.#cas.some((ca) => verifyCached(ca, payload, cert.s)) ? undefined : 'untrustedCertificate';
  }
}

/** An admitted certificate, with the two forms records carry it in, made once. */
interface Admitted {
  readonly cert: CertificateWire;
  readonly onRecord: CertificateOnRecord;
  readonly ref: Uint8Array;
}

function admittedOf(cert: CertificateWire): Admitted {
  return { cert, onRecord: certificateOnRecord(cert), ref: certificateRef(cert) };
}

/** A node's own certificate for an allowlist cluster: signed with its own key. */
export function selfCertificate(privateKey: KeyObject, id: string, notAfter: number): CertificateWire {
  return issueCertificate(privateKey, id, publicKeyOf(privateKey), notAfter);
}

function sameCertificate(a: CertificateWire, b: CertificateWire): boolean {
  return (
    a.n === b.n && Buffer.from(a.s).equals(Buffer.from(b.s)) && Buffer.from(a.k).equals(Buffer.from(b.k))
  );
}

function fail(message: string): never {
  throw new IdentityError(message);
}
