import { compareBytes } from './record-join.js';

/**
 * Whether `raw`, a peer's record not validated yet, is a copy of `held`, a record we validated
 * and stored: the same own keys, each value identical (byte arrays byte for byte, arrays element
 * by element). Validating a copy could only give back `held` again, so a table may answer
 * "unchanged" without it: gossip and anti-entropy repeat every record a dozen times or more
 * per node, and validation (regular expressions, address parsing, a fresh frozen object) was a
 * large part of what a booting cluster of 1,000 spent. Anything else (an extra key, a value of
 * another type) is no copy and takes the full path. Never throws: a hostile getter is no copy.
 */
export function isHeldCopy(raw: unknown, held: object): boolean {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return false;
  try {
    let keys = 0;
    for (const k in raw) {
      if (!Object.hasOwn(raw, k) || !Object.hasOwn(held, k)) return false;
      keys++;
    }
    let heldKeys = 0;
    for (const k in held) {
      heldKeys++;
      if (!sameValue((raw as Record<string, unknown>)[k], (held as Record<string, unknown>)[k])) return false;
    }
    return keys === heldKeys;
  } catch {
    return false;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (b instanceof Uint8Array) return a instanceof Uint8Array && compareBytes(a, b) === 0;
  if (!Array.isArray(b) || !Array.isArray(a) || a.length !== b.length) return false;
  for (let i = 0; i < b.length; i++) if (!sameValue(a[i], b[i])) return false;
  return true;
}
