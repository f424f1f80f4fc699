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
  /**
   * A short digest of `id`'s admitted certificate: what gossip carries instead of the
   * certificate itself (undefined if not admitted).
   */
  certificateRef(id: string): Uint8Array | undefined;
  /** Is `ref` the digest of the certificate admitted for `id`? */
  holdsCertificate(id: string, ref: Uint8Array): boolean;
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
  certificateRef: () => undefined,
  holdsCertificate: () => true,
});

/**
 * The bytes a signature covers: typed, length-prefixed fields after a domain tag, so that no two
 * different records (or two kinds of record) ever sign the same bytes. Feed fields in one fixed
 * order; the same order as the record's digest hash, so what is signed is what is compared.
 */
export class SignedBytes implements FieldSink {
  // One buffer written in place: a record's payload is built for every signature checked, and
  // three small arrays per field were most of that cost.
  #buf = new Uint8Array(128);
  #view = new DataView(this.#buf.buffer);
  #length = 0;

  constructor(domain: string) {
    this.string(domain);
  }

  uint(n: number): this {
    this.#reserve(9);
    this.#buf[this.#length] = 1;
    this.#view.setFloat64(this.#length + 1, n);
    this.#length += 9;
    return this;
  }

  string(s: string): this {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    this.#reserve(5 + 3 * s.length);
    const { written } = encoder.encodeInto(s, this.#buf.subarray(this.#length + 5));
    this.#header(2, written);
    this.#length += written;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.#reserve(5 + b.length);
    this.#header(3, b.length);
    this.#buf.set(b, this.#length);
    this.#length += b.length;
    return this;
  }

  /** Feeds a 32-bit word (the status codes and small enumerations digests use). */
  word(w: number): this {
    return this.uint(w >>> 0);
  }

  finish(): Uint8Array {
    return this.#buf.slice(0, this.#length);
  }

  #header(tag: number, length: number): void {
    this.#buf[this.#length] = tag;
    this.#view.setUint32(this.#length + 1, length);
    this.#length += 5;
  }

  #reserve(bytes: number): void {
    if (this.#length + bytes <= this.#buf.length) return;
    const next = new Uint8Array(Math.max(2 * this.#buf.length, this.#length + bytes));
    next.set(this.#buf.subarray(0, this.#length));
    this.#buf = next;
    this.#view = new DataView(next.buffer);
  }
}

const encoder = new TextEncoder();
