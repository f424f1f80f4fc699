/**
 * Little-endian stores and loads by index, for the batch path's per-request fields. Buffer's
 * `writeUInt16LE` and kin are each a chain of checked calls (bounds, range, type), which the
 * first few thousand requests of a process pay in V8's interpreter before the JIT has compiled
 * them: at 1,000 remote agents (3,000 requests) that warm-up was most of the JS time of a write.
 * The callers own the bounds: every offset lies inside a buffer sized for the largest message.
 */
export function setU16(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v;
  buf[off + 1] = v >>> 8;
}

export function setU32(buf: Uint8Array, off: number, v: number): void {
  buf[off] = v;
  buf[off + 1] = v >>> 8;
  buf[off + 2] = v >>> 16;
  buf[off + 3] = v >>> 24;
}

export function getU16(buf: Uint8Array, off: number): number {
  return buf[off]! | (buf[off + 1]! << 8);
}

export function getU32(buf: Uint8Array, off: number): number {
  return (buf[off]! | (buf[off + 1]! << 8) | (buf[off + 2]! << 16) | (buf[off + 3]! << 24)) >>> 0;
}

/** Zeroes [from, to): padding and struct headers, a few bytes at a time. */
export function zero(buf: Uint8Array, from: number, to: number): void {
  for (let i = from; i < to; i++) buf[i] = 0;
}
