/**
 * The envelope every UDP packet and every stream frame starts with:
 *
 *   byte 0   version (WIRE_VERSION)
 *   byte 1   flags: bit 0 encrypted, bit 1 compressed (reserved, never sent yet), bits 2-7 zero
 *   byte 2.. body: msgpack array of messages, or nonce | ciphertext | tag when encrypted
 *
 * Version and flags come first and in clear so a receiver can reject a packet it cannot read
 * (another version, a plaintext node receiving ciphertext, ...) before doing any work.
 */
export const WIRE_VERSION = 1;
export const ENVELOPE_HEADER_BYTES = 2;

export const FLAG_ENCRYPTED = 0x01;
/** Reserved so a future compressed body is rejected by this version instead of misparsed. */
export const FLAG_COMPRESSED = 0x02;
const FLAGS_KNOWN = FLAG_ENCRYPTED;

export type EnvelopeHeader = { readonly encrypted: boolean };

export type HeaderResult =
  | { readonly ok: true; readonly header: EnvelopeHeader; readonly body: Uint8Array }
  | { readonly ok: false; readonly reason: 'truncated' | 'version' | 'flags' };

export function envelopeHeader(encrypted: boolean): Uint8Array {
  return Uint8Array.of(WIRE_VERSION, encrypted ? FLAG_ENCRYPTED : 0);
}

export function readEnvelopeHeader(bytes: Uint8Array): HeaderResult {
  if (bytes.length < ENVELOPE_HEADER_BYTES) return { ok: false, reason: 'truncated' };
  if (bytes[0] !== WIRE_VERSION) return { ok: false, reason: 'version' };
  const flags = bytes[1]!;
  if ((flags & ~FLAGS_KNOWN) !== 0) return { ok: false, reason: 'flags' };
  return {
    ok: true,
    header: { encrypted: (flags & FLAG_ENCRYPTED) !== 0 },
    body: bytes.subarray(ENVELOPE_HEADER_BYTES),
  };
}
