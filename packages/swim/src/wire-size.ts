/**
 * An upper bound on the msgpack encoding size of a plain value, so the core can fill a packet
 * budget without depending on the codec. Exact for the shapes trellis sends (short strings,
 * small integers, byte arrays, small maps and arrays) and never an underestimate.
 */
export function wireSize(value: unknown): number {
  if (value === null || value === undefined || typeof value === 'boolean') return 1;
  if (typeof value === 'number') return numberSize(value);
  if (typeof value === 'string') return strSize(value);
  if (value instanceof Uint8Array) return headerSize(value.length, 31, true) + value.length;
  if (Array.isArray(value)) {
    let n = headerSize(value.length, 15, false);
    for (const v of value) n += wireSize(v);
    return n;
  }
  if (typeof value === 'object') {
    let n = 0;
    let count = 0;
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      n += strSize(k) + wireSize(v);
      count++;
    }
    return n + headerSize(count, 15, false);
  }
  return 9;
}

function numberSize(n: number): number {
  if (Number.isInteger(n)) {
    if (n >= -32 && n <= 127) return 1;
    if (n >= -128 && n <= 255) return 2;
    if (n >= -32768 && n <= 65535) return 3;
    if (n >= -2147483648 && n <= 4294967295) return 5;
  }
  return 9;
}

function strSize(s: string): number {
  // UTF-8 is at most 3 bytes per UTF-16 code unit.
  let bytes = s.length;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) bytes += 2;
  return headerSize(bytes, 31, false) + bytes;
}

/** Size of a str/bin/array/map header: fixed form up to `fixMax`, then 8/16/32-bit lengths. */
function headerSize(length: number, fixMax: number, isBin: boolean): number {
  if (!isBin && length <= fixMax) return 1;
  if (length <= 0xff) return 2;
  if (length <= 0xffff) return 3;
  return 5;
}
