import { Packr } from 'msgpackr';
import { plainMsgpackOptions } from '@trellis/runtime';
import { scanMsgpack, type ScanLimits } from './msgpack-scan.js';

/** Plain msgpack: the same message always gives the same bytes (golden tests pin them). */
const packr = new Packr(plainMsgpackOptions);

/** One message as msgpack bytes (a private copy: msgpackr reuses its output buffer). */
export function encodeMessage(message: unknown): Uint8Array {
  return new Uint8Array(packr.pack(message));
}

/** The msgpack array header for `count` elements. */
export function arrayHeader(count: number): Uint8Array {
  if (count < 16) return Uint8Array.of(0x90 | count);
  if (count < 0x1_0000) return Uint8Array.of(0xdc, count >>> 8, count & 0xff);
  return Uint8Array.of(0xdd, count >>> 24, (count >>> 16) & 0xff, (count >>> 8) & 0xff, count & 0xff);
}

export function arrayHeaderBytes(count: number): number {
  return count < 16 ? 1 : count < 0x1_0000 ? 3 : 5;
}

/** A msgpack array of already encoded messages: the same bytes as packing the array at once. */
export function encodeBody(encodedMessages: readonly Uint8Array[]): Uint8Array {
  return Buffer.concat([arrayHeader(encodedMessages.length), ...encodedMessages]);
}

export type BodyRejection = 'not-array' | 'too-many-messages' | 'too-many-items' | 'malformed';
export type BodyResult =
  | { readonly ok: true; readonly messages: unknown[] }
  | { readonly ok: false; readonly reason: BodyRejection };

/**
 * Decodes a body, never throwing. The array count is checked before msgpackr sees the bytes, so
 * a peer declaring 4 billion messages costs nothing; each message needs at least one byte, so a
 * count above the bytes left is a lie too. Nested length bombs fail in msgpackr on the first read
 * past the end ("Unexpected end"), and deep nesting is a caught RangeError. Values in all
 * and distinct map keys (`limits`) are counted by a scan of the headers before msgpackr runs (`scanMsgpack`): its
 * decode is one synchronous call, whose time grows with the values, not the bytes.
 */
export function decodeBody(body: Uint8Array, messagesMax: number, limits: ScanLimits): BodyResult {
  const count = readArrayCount(body);
  if (count === undefined) return { ok: false, reason: 'not-array' };
  if (count > messagesMax) return { ok: false, reason: 'too-many-messages' };
  if (count > body.length) return { ok: false, reason: 'malformed' };
  const items = scanMsgpack(body, limits);
  if (items === 'tooMany') return { ok: false, reason: 'too-many-items' };
  if (items === 'malformed') return { ok: false, reason: 'malformed' };
  let value: unknown;
  try {
    value = packr.unpack(body);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (!Array.isArray(value) || value.length !== count) return { ok: false, reason: 'malformed' };
  return { ok: true, messages: value as unknown[] };
}

function readArrayCount(body: Uint8Array): number | undefined {
  const first = body[0];
  if (first === undefined) return undefined;
  if ((first & 0xf0) === 0x90) return first & 0x0f;
  if (first === 0xdc && body.length >= 3) return (body[1]! << 8) | body[2]!;
  if (first === 0xdd && body.length >= 5)
    return ((body[1]! << 24) | (body[2]! << 16) | (body[3]! << 8) | body[4]!) >>> 0;
  return undefined;
}
