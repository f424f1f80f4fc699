/**
 * The golden-bytes check of `wire-golden-*.test.ts`: a message the code built, framed by the real
 * codec, must be the golden bytes written in the test; and the golden bytes, decoded, are what
 * the receiver is handed, so a test goes on with what an older or newer peer would send.
 */
import type { ExecutionContext } from 'ava';
import { WireCodec, type Channel } from '../../src/wire/wire-codec.js';

export const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
export const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

/** Version 1, plaintext, a msgpack array of one message: the frame every golden below sits in. */
export const ONE_PLAINTEXT = '01 00 91';

/** A generation or clock in unix ms (2025-12-01T12:00:00Z), as nodes use: msgpack float64, not int. */
export const UNIX_MS = 1_764_590_400_000;

const codec = new WireCodec();

/**
 * Asserts that `message` framed alone on `channel` is `ONE_PLAINTEXT` + `golden`, and returns the
 * message decoded from the golden bytes (not from what the code encoded).
 */
export function wire(
  t: ExecutionContext,
  message: object,
  golden: string,
  channel: Channel = 'datagram',
): Record<string, unknown> {
  const expected = fromHex(`${ONE_PLAINTEXT} ${golden}`);
  const framed =
    channel === 'datagram' ? codec.encodeDatagrams([message]).packets[0] : codec.encodeFrame([message]);
  t.is(hex(framed ?? new Uint8Array()), hex(expected), `${describe(message)} on the ${channel}`);
  const decoded = codec.decode(expected, channel);
  if (!decoded.ok) throw new Error(`golden ${describe(message)} does not decode: ${decoded.reason}`);
  return decoded.messages[0] as Record<string, unknown>;
}

/** msgpack binary decodes as Buffer; compare as plain Uint8Array so deepEqual sees the bytes only. */
export function plainBytes<T>(value: T): T {
  if (value instanceof Uint8Array) return new Uint8Array(value) as T;
  if (Array.isArray(value)) return value.map(plainBytes) as T;
  if (typeof value === 'object' && value !== null)
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plainBytes(v)])) as T;
  return value;
}

function describe(message: object): string {
  const t = (message as { t?: unknown }).t;
  return typeof t === 'string' ? `'${t}'` : 'message';
}
