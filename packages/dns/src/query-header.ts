import * as dnsPacket from 'dns-packet';

/** The header fields needed to answer a message that may not decode any further. */
export interface QueryHeader {
  readonly id: number;
  /** Flags without QR, as dns-packet keeps them: opcode, AA, TC, RD, RA, Z, AD, CD, rcode. */
  readonly flags: number;
  readonly isResponse: boolean;
  readonly opcode: string;
}

const HEADER_BYTES = 12;
const COUNTS_OFFSET = 4;

/** dns-packet decodes these too; its types omit them. */
export type DecodedMessage = dnsPacket.DecodedPacket & { readonly opcode: string; readonly rcode: string };

/**
 * Reads id and flags even when the rest is garbage, so a malformed query can still get FORMERR.
 * dns-packet decodes the header and then walks the sections its counts announce, failing on
 * a garbled body, so it is given the first four bytes with all counts zero.
 */
export function peekHeader(message: Uint8Array): QueryHeader | undefined {
  if (message.length < HEADER_BYTES) return undefined;
  const header = Buffer.alloc(HEADER_BYTES);
  header.set(message.subarray(0, COUNTS_OFFSET));
  const decoded = dnsPacket.decode(header) as DecodedMessage;
  return {
    id: decoded.id ?? 0,
    flags: decoded.flags ?? 0,
    isResponse: decoded.flag_qr,
    opcode: decoded.opcode,
  };
}
