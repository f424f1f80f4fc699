import { createHash, type KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { TrellisError, type Instant, type RecordSigning } from '@trellis/runtime';
import {
  certificatePayload,
  issueCertificate,
  parseCertificate,
  type CertificateWire,
} from './certificate.js';
import { publicKeyObject, publicKeyOf, signBytes, signatureBytes, verifyBytes } from './ed25519.js';

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

interface Admitted {
  readonly certificate: CertificateWire;
  readonly key: KeyObject;
}

const verifiedMax = 65_536;

/**
 * A node's identity as the cores see it (`RecordSigning`): its Ed25519 key signs what it writes,
 * and the certificates members present decide whose signatures count. Admission is cached per
 * certificate and verification per (signer's key, signature, payload), so that merging an unchanged
 * table costs no signature check.
 */
export class NodeIdentity implements RecordSigning {
  readonly enabled = true;
  readonly certificate: CertificateWire;
  readonly #key: KeyObject;
  readonly #cas: KeyObject[];
  readonly #allow: ReadonlyMap<string, string> | undefined;
  readonly #admitted = new Map<string, Admitted>();
  // Bounded by size, not `max`, which would preallocate every slot (1.4 MB per node) up front.
  readonly #verified = new LRUCache<string, boolean>({ maxSize: verifiedMax, sizeCalculation: () => 1 });

  constructor(id: string, opts: IdentityOptions) {
    this.#key = opts.privateKey;
    this.certificate = opts.certificate;
    if ('cas' in opts.trust) {
      this.#cas = opts.trust.cas.map(
        (raw) => publicKeyObject(raw) ?? fail('a trusted CA key is not an Ed25519 public key'),
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
    this.#admitted.set(id, { certificate: opts.certificate, key: publicKeyObject(own)! });
  }

  sign(payload: Uint8Array): Uint8Array {
    return signBytes(this.#key, payload);
  }

  admit(id: string, raw: unknown, now: Instant): string | undefined {
    const known = this.#admitted.get(id);
    const cert = known !== undefined && raw === known.certificate ? known.certificate : parseCertificate(raw);
    if (cert === undefined) return 'badCertificate';
    if (cert.i !== id) return 'certificateMismatch';
    if (now > cert.n) return 'certificateExpired';
    if (known !== undefined && sameCertificate(known.certificate, cert)) return undefined;
    const refused = this.#check(id, cert);
    if (refused !== undefined) return refused;
    // Only a certificate that expires later (a renewal, a rotation) replaces the admitted one:
    // with a tie, two certificates of one id, both replayable by anyone, would trade places.
    if (known !== undefined && known.certificate.n >= cert.n) return 'certificateSuperseded';
    this.#admitted.set(id, { certificate: cert, key: publicKeyObject(cert.k)! });
    return undefined;
  }

  admitted(id: string, now: Instant): boolean {
    const who = this.#admitted.get(id);
    return who !== undefined && now <= who.certificate.n;
  }

  certificateOf(id: string): CertificateWire | undefined {
    return this.#admitted.get(id)?.certificate;
  }

  verify(signer: string, payload: Uint8Array, signature: unknown): boolean {
    const who = this.#admitted.get(signer);
    // A fixed length keeps (signature, payload) unambiguous in the cache key below.
    if (who === undefined || !(signature instanceof Uint8Array) || signature.length !== signatureBytes)
      return false;
    // A digest, not the bytes: a payload may be a 1 MiB send, and 65,536 of those would be
    // gigabytes. The key in it means a rotated-out key's signatures stop counting at once.
    const key = createHash('sha256')
      .update(who.certificate.k)
      .update(signature)
      .update(payload)
      .digest('base64');
    const cached = this.#verified.get(key);
    if (cached !== undefined) return cached;
    const ok = verifyBytes(who.key, payload, signature);
    this.#verified.set(key, ok);
    return ok;
  }

  /** Why the trust refuses `cert` for `id`, or undefined. */
  #check(id: string, cert: CertificateWire): string | undefined {
    const payload = certificatePayload(cert.i, cert.k, cert.n);
    if (this.#allow !== undefined) {
      if (this.#allow.get(id) !== Buffer.from(cert.k).toString('base64')) return 'notAllowed';
      const self = publicKeyObject(cert.k);
      return self !== undefined && verifyBytes(self, payload, cert.s) ? undefined : 'badCertificate';
    }
    return this.#cas.some((ca) => verifyBytes(ca, payload, cert.s)) ? undefined : 'untrustedCertificate';
  }
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
