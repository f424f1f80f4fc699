import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** The DER header of an Ed25519 SubjectPublicKeyInfo: what turns 32 raw bytes into a key. */
const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');

export const publicKeyBytes = 32;
export const signatureBytes = 64;

export interface KeyPair {
  readonly privateKey: KeyObject;
  /** The raw 32-byte public key, as certificates and allowlists carry it. */
  readonly publicKey: Uint8Array;
}

export function generateKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: rawPublicKey(publicKey) };
}

export function rawPublicKey(key: KeyObject): Uint8Array {
  const der = key.export({ format: 'der', type: 'spki' });
  return new Uint8Array(der.subarray(der.length - publicKeyBytes));
}

/**
 * Public keys built from raw bytes, shared by every node of the process: building a KeyObject
 * costs about 90 µs, every node admits every member's certificate, and a KeyObject is immutable,
 * so nodes that run in one process (tests, simulations, benchmarks) need not build it N times.
 */
const keyObjects = new LRUCache<string, KeyObject>({ max: 4_096 });

/** A public key from its 32 raw bytes; undefined if they are not one. */
export function publicKeyObject(raw: Uint8Array): KeyObject | undefined {
  if (raw.length !== publicKeyBytes) return undefined;
  const id = Buffer.from(raw).toString('base64');
  const known = keyObjects.get(id);
  if (known !== undefined) return known;
  try {
    const key = createPublicKey({ key: Buffer.concat([spkiPrefix, raw]), format: 'der', type: 'spki' });
    keyObjects.set(id, key);
    return key;
  } catch {
    return undefined;
  }
}

/** A private key from PEM (PKCS #8), as key files hold it; throws on anything else. */
export function privateKeyFromPem(pem: string): KeyObject {
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new TypeError('not an Ed25519 private key');
  return key;
}

export function privateKeyToPem(key: KeyObject): string {
  return key.export({ format: 'pem', type: 'pkcs8' }).toString();
}

/** The raw public key of a private key. */
export function publicKeyOf(privateKey: KeyObject): Uint8Array {
  return rawPublicKey(createPublicKey(privateKey));
}

export function signBytes(privateKey: KeyObject, payload: Uint8Array): Uint8Array {
  return new Uint8Array(sign(null, payload, privateKey));
}

/** Never throws: a malformed signature is just not a valid one. */
export function verifyBytes(publicKey: KeyObject, payload: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== signatureBytes) return false;
  try {
    return verify(null, payload, publicKey, signature);
  } catch {
    return false;
  }
}
