import type { Instant } from './instant.js';

/**
 * How a sans-IO core signs what it writes and checks what peers wrote, without touching a key
 * or a crypto library itself: the node injects it (Ed25519 through node:crypto), and a cluster
 * without identity injects `noSigning`.
 *
 * A node presents a certificate (its id bound to its public key, signed by a cluster CA or
 * matched against an allowlist); a record's signer must have been admitted through one before
 * its signatures count.
 */
export interface RecordSigning {
  /** False when the cluster runs without identity: nothing is signed, nothing checked. */
  readonly enabled: boolean;
  /** This node's certificate, as its records carry it (undefined without identity). */
  readonly certificate: unknown;
  /** Our signature over `payload`. */
  sign(payload: Uint8Array): Uint8Array;
  /**
   * Checks the certificate `id` presents at `now`: undefined once admitted (cached), else why
   * not (`badCertificate`, `certificateExpired`, `notAllowed`...).
   */
  admit(id: string, certificate: unknown, now: Instant): string | undefined;
  /**
   * Has `id` presented a certificate that is still valid at `now`? Expiry is how an operator
   * retires a key, so it counts at every use of the key, not only when the key was admitted.
   */
  admitted(id: string, now: Instant): boolean;
  /** Is `signature` over `payload` by `signer`, an admitted member? (Cached by signature.) */
  verify(signer: string, payload: Uint8Array, signature: unknown): boolean;
  /** `id`'s certificate, to pass on with its records (undefined if not admitted). */
  certificateOf(id: string): unknown;
}

/**
 * Where a record's fields are fed, in one fixed order, by the one function a kind of record
 * defines: into its digest hash (`Hash64`) and into the bytes its signature covers
 * (`SignedBytes`) alike, so what is signed is exactly what replicas compare.
 */
export interface FieldSink {
  string(s: string): unknown;
  uint(n: number): unknown;
  bytes(b: Uint8Array): unknown;
}

/** A cluster without identity: signatures are empty and never checked. */
export const noSigning: RecordSigning = Object.freeze({
  enabled: false,
  certificate: undefined,
  sign: () => new Uint8Array(0),
  admit: () => undefined,
  admitted: () => true,
  verify: () => true,
  certificateOf: () => undefined,
});

/**
 * The bytes a signature covers: typed, length-prefixed fields after a domain tag, so that no two
 * different records (or two kinds of record) ever sign the same bytes. Feed fields in one fixed
 * order; the same order as the record's digest hash, so what is signed is what is compared.
 */
export class SignedBytes implements FieldSink {
  readonly #parts: Uint8Array[] = [];
  #length = 0;

  constructor(domain: string) {
    this.string(domain);
  }

  uint(n: number): this {
    const b = new Uint8Array(9);
    b[0] = 1;
    new DataView(b.buffer).setFloat64(1, n);
    return this.#push(b);
  }

  string(s: string): this {
    const text = encoder.encode(s);
    return this.#push(header(2, text.length)).#push(text);
  }

  bytes(b: Uint8Array): this {
    return this.#push(header(3, b.length)).#push(b);
  }

  /** Feeds a 32-bit word (the status codes and small enumerations digests use). */
  word(w: number): this {
    return this.uint(w >>> 0);
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.#length);
    let at = 0;
    for (const p of this.#parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  #push(b: Uint8Array): this {
    this.#parts.push(b);
    this.#length += b.length;
    return this;
  }
}

const encoder = new TextEncoder();

function header(tag: number, length: number): Uint8Array {
  const b = new Uint8Array(5);
  b[0] = tag;
  new DataView(b.buffer).setUint32(1, length);
  return b;
}
