import { Packr } from 'msgpackr';
import { InvalidArgumentError, LimitError, plainMsgpackOptions } from '@trellis/runtime';

/**
 * Values are stored and gossiped as plain msgpack (the wire's own settings: no msgpackr
 * extensions), so every replica holds the same bytes, the digest hashes them, and any msgpack
 * implementation can read them.
 */
const packr = new Packr(plainMsgpackOptions);

/** `value` as msgpack bytes; throws on a value msgpack cannot carry or one over `max` bytes. */
export function encodeValue(value: unknown, max: number): Uint8Array {
  if (value === undefined) throw new InvalidArgumentError('value must not be undefined (use delete)');
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(packr.pack(value));
  } catch (error) {
    throw new InvalidArgumentError('value cannot be encoded as msgpack', { cause: error });
  }
  if (bytes.length > max)
    throw new LimitError('valueBytesMax', `value is ${bytes.length} bytes, more than valueBytesMax (${max})`);
  if (!decodeValue(bytes).ok)
    throw new InvalidArgumentError(
      'value is not plain data (a function or undefined, say): msgpack drops it',
    );
  // msgpackr reads a "__proto__" key back as "__proto_" (other readers drop it): every replica,
  // this one included, would hold another value than the one set.
  if (hasProtoKey(value))
    throw new InvalidArgumentError('value has a "__proto__" key, which msgpack renames');
  return bytes;
}

/** Whether `x` or anything in it has an own `__proto__` key (`x` is small and acyclic: it packed). */
function hasProtoKey(x: unknown): boolean {
  if (typeof x !== 'object' || x === null || x instanceof Uint8Array) return false;
  if (Array.isArray(x)) return x.some(hasProtoKey);
  return Object.hasOwn(x, '__proto__') || Object.values(x).some(hasProtoKey);
}

/**
 * The value in `bytes`, if they are exactly one msgpack value of plain data (nil, booleans,
 * numbers, strings, binary, timestamps, arrays and string-keyed maps of those): msgpack's
 * reserved 0xc1, extension types (msgpackr's `undefined` among them) and trailing bytes are
 * refused, so every replica holds a value any msgpack reader can take. Never throws.
 */
export function decodeValue(
  bytes: Uint8Array,
): { readonly ok: true; readonly value: unknown } | { readonly ok: false } {
  if (bytes.length === 0) return { ok: false };
  try {
    const value: unknown = packr.unpack(bytes);
    return isPlainData(value) ? { ok: true, value } : { ok: false };
  } catch {
    return { ok: false };
  }
}

function isPlainData(x: unknown): boolean {
  if (x === null || typeof x === 'boolean' || typeof x === 'number' || typeof x === 'string') return true;
  // msgpack timestamps decode as Date objects (reading the class, not the clock).
  // eslint-disable-next-line no-restricted-globals
  if (x instanceof Uint8Array || x instanceof Date) return true;
  if (Array.isArray(x)) return x.every(isPlainData);
  if (typeof x !== 'object' || Object.getPrototypeOf(x) !== Object.prototype) return false;
  return Object.values(x as Record<string, unknown>).every(isPlainData);
}
