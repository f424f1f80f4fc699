import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { TrellisError } from '@trellis/runtime';

/** AES-256 needs a 32-byte key; GCM is used with the 12-byte nonce and 16-byte tag it was built for. */
export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
/** What encryption adds to a plaintext: the nonce in front, the tag behind. */
export const SEAL_OVERHEAD_BYTES = NONCE_BYTES + TAG_BYTES;

/** A key as raw bytes or as standard base64 (what `openssl rand -base64 32` prints). */
export type KeyInput = Uint8Array | string;

export type KeyringErrorCode =
  'ERR_TRELLIS_KEY_INVALID' | 'ERR_TRELLIS_KEY_UNKNOWN' | 'ERR_TRELLIS_KEY_PRIMARY';

/** A local keyring misuse: a malformed key, an unknown key, or removing the primary. */
export class KeyringError extends TrellisError {
  override readonly name = 'KeyringError';
  readonly code: KeyringErrorCode;

  constructor(code: KeyringErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export type OpenResult =
  { readonly ok: true; readonly plaintext: Uint8Array } | { readonly ok: false; readonly reason: 'decrypt' };

/**
 * The accepted AES-256-GCM keys, one of them primary (used to send). Rotation without downtime
 * is memberlist's: `add(new)` everywhere, then `use(new)` everywhere, then `remove(old)`; at
 * every step each node still accepts what every other node sends.
 */
export class Keyring {
  // Primary first: it is tried first on receive, since a converged cluster sends with it.
  #keys: Buffer[];

  /** A keyring whose first key is the primary. */
  constructor(primary: KeyInput, ...others: KeyInput[]) {
    this.#keys = [toKey(primary)];
    for (const key of others) this.add(key);
  }

  /** Accepts `key` for decryption (no effect if it is already accepted). */
  add(key: KeyInput): void {
    const k = toKey(key);
    if (this.#indexOf(k) < 0) this.#keys.push(k);
  }

  /** Makes an accepted key the primary. */
  use(key: KeyInput): void {
    const k = toKey(key);
    const i = this.#indexOf(k);
    if (i < 0)
      throw new KeyringError(
        'ERR_TRELLIS_KEY_UNKNOWN',
        'cannot use a key that is not in the keyring: add() it first',
      );
    this.#keys.splice(i, 1);
    this.#keys.unshift(k);
  }

  /** Stops accepting `key`. Removing the primary would leave nothing to send with: use() another first. */
  remove(key: KeyInput): void {
    const k = toKey(key);
    const i = this.#indexOf(k);
    if (i === 0)
      throw new KeyringError(
        'ERR_TRELLIS_KEY_PRIMARY',
        'cannot remove the primary key: use() another key first',
      );
    if (i > 0) this.#keys.splice(i, 1);
  }

  /** Copies of the accepted keys, primary first. */
  keys(): Uint8Array[] {
    return this.#keys.map((k) => new Uint8Array(k));
  }

  /** Copy of the primary key. */
  primary(): Uint8Array {
    return new Uint8Array(this.#keys[0]!);
  }

  /** Encrypts with the primary key: `nonce (12) | ciphertext | tag (16)`, bound to `associatedData`. */
  seal(plaintext: Uint8Array, associatedData: Uint8Array): Uint8Array {
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.#keys[0]!, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(associatedData);
    const body = cipher.update(plaintext);
    const final = cipher.final();
    return Buffer.concat([nonce, body, final, cipher.getAuthTag()]);
  }

  /** Decrypts what some accepted key sealed; anything else (peer garbage) is a result, not a throw. */
  open(sealed: Uint8Array, associatedData: Uint8Array): OpenResult {
    if (sealed.length < SEAL_OVERHEAD_BYTES) return { ok: false, reason: 'decrypt' };
    const nonce = sealed.subarray(0, NONCE_BYTES);
    const body = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES);
    const tag = sealed.subarray(sealed.length - TAG_BYTES);
    for (const key of this.#keys) {
      const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      decipher.setAAD(associatedData);
      decipher.setAuthTag(tag);
      const plaintext = decipher.update(body);
      try {
        // final() is where GCM checks the tag: a wrong key, label or any flipped bit throws here.
        const final = decipher.final();
        return { ok: true, plaintext: final.length === 0 ? plaintext : Buffer.concat([plaintext, final]) };
      } catch {
        continue;
      }
    }
    return { ok: false, reason: 'decrypt' };
  }

  #indexOf(key: Buffer): number {
    return this.#keys.findIndex((k) => k.equals(key));
  }
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Validates and copies a key, so later changes to the caller's buffer cannot change the keyring. */
function toKey(key: KeyInput): Buffer {
  if (typeof key === 'string') {
    const trimmed = key.trim();
    // Buffer.from(base64) silently skips bad characters, so check the alphabet first.
    if (!BASE64.test(trimmed) || trimmed.length % 4 !== 0) {
      throw new KeyringError(
        'ERR_TRELLIS_KEY_INVALID',
        `a key string must be base64 encoding ${KEY_BYTES} bytes (44 characters), got invalid base64`,
      );
    }
    key = Buffer.from(trimmed, 'base64');
  } else if (!(key instanceof Uint8Array)) {
    throw new KeyringError(
      'ERR_TRELLIS_KEY_INVALID',
      `a key must be a Uint8Array of ${KEY_BYTES} bytes or a base64 string`,
    );
  }
  if (key.length !== KEY_BYTES) {
    throw new KeyringError(
      'ERR_TRELLIS_KEY_INVALID',
      `a key must be ${KEY_BYTES} bytes (AES-256), got ${key.length} bytes`,
    );
  }
  return Buffer.from(key);
}
