/** Ed25519 public keys are 32 bytes, as certificates and allowlists carry them. */
export const publicKeyBytes = 32;

const base64 = /^[A-Za-z0-9+/]{43}=$/;

/**
 * A public key file (`ca.pub`, `node.pub`): one line, the standard base64 of the 32 raw bytes,
 * the same form allowlists and certificates use, so a key can be pasted from one to the other.
 */
export function parsePublicKeyText(text: string): Uint8Array | undefined {
  return parsePublicKeyBase64(text.replace(/\r?\n$/, ''));
}

/** The raw key of its base64; undefined for anything but exactly 32 bytes in canonical base64. */
export function parsePublicKeyBase64(s: unknown): Uint8Array | undefined {
  if (typeof s !== 'string' || !base64.test(s)) return undefined;
  const raw = Buffer.from(s, 'base64');
  // Canonical only: a last character with stray low bits would name the same key twice.
  return raw.length === publicKeyBytes && raw.toString('base64') === s ? new Uint8Array(raw) : undefined;
}

export function formatPublicKeyText(raw: Uint8Array): string {
  return `${Buffer.from(raw).toString('base64')}\n`;
}
