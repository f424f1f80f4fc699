import {
  createHash,
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

/**
 * Verification results, shared by every node of the process for the same reason as the key
 * objects: a result depends on nothing but (key, signature, payload), and every node of an
 * in-process cluster checks every member's record, so 64 nodes would otherwise verify each
 * signature 64 times (the join bench spent half its time there).
 */
const verified = new LRUCache<string, boolean>({ maxSize: 65_536, sizeCalculation: () => 1 });

/**
 * `verifyBytes`, remembered by a digest of (raw public key, signature, payload): a digest, not the
 * bytes, because a payload may be a 1 MiB send, and 65,536 of those would be gigabytes. The key is
 * in it so that a rotated-out key's signatures stop counting at once.
 */
export function verifyCached(raw: Uint8Array, payload: Uint8Array, signature: Uint8Array): boolean {
  // A fixed length keeps (signature, payload) unambiguous in the digest.
  if (raw.length !== publicKeyBytes || signature.length !== signatureBytes) return false;
  const id = createHash('sha256').update(raw).update(signature).update(payload).digest('base64');
  const cached = verified.get(id);
  if (cached !== undefined) return cached;
  const key = publicKeyObject(raw);
  const ok = key !== undefined && verifyBytes(key, payload, signature);
  verified.set(id, ok);
  return ok;
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
