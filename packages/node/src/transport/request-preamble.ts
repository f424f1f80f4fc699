import type { Address } from '@trellis/runtime';
import { parseAddress } from './address.js';

/**
 * A request frame starts with the sender's advertised address, `[u8 length][utf-8 host:port]`,
 * because a TCP connection comes from an ephemeral port that names nobody: the receiver must
 * see the same `from` as for the sender's datagrams. It is the sender's claim, not checked
 * against the connection (NAT and advertise addresses would defeat a check): the protocol core
 * must identify peers by message contents (authenticated when encrypted), never by `from` alone.
 */
export const PREAMBLE_BYTES_MAX = 1 + 255;

export function withPreamble(from: Address, payload: Uint8Array): Uint8Array {
  const address = Buffer.from(from, 'utf8');
  if (address.length > 255) throw new RangeError(`address too long for a request preamble: ${from}`);
  return Buffer.concat([Uint8Array.of(address.length), address, payload]);
}

export type PreambleResult =
  { readonly ok: true; readonly from: Address; readonly payload: Uint8Array } | { readonly ok: false };

export function readPreamble(frame: Uint8Array): PreambleResult {
  const length = frame[0];
  if (length === undefined || frame.length < 1 + length) return { ok: false };
  const from = Buffer.from(frame.subarray(1, 1 + length)).toString('utf8');
  if (!parseAddress(from)) return { ok: false };
  return { ok: true, from, payload: frame.subarray(1 + length) };
}
