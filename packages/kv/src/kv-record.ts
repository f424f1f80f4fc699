import { Hash64, type RegisterSchema } from '@trellis/membership';
import type { FieldSink } from '@trellis/runtime';
import { parseSignatureField, withSignature } from '@trellis/store';
import { decodeValue } from './kv-value.js';

/**
 * One entry of an owned table on the wire: `w` writes key `k`; ordered by (generation,
 * version) like every owner-register record, then by content.
 */
export interface OwnedKvWire {
  readonly t: string;
  readonly w: string;
  readonly k: string;
  readonly g: number;
  readonly v: number;
  /** 0 set, 1 deleted (tombstone, `d` empty). */
  readonly st: KvState;
  /** The value, msgpack bytes. */
  readonly d: Uint8Array;
  /** The owner's signature over every other field (absent without identity). */
  readonly sg?: Uint8Array;
}

/**
 * One entry of a shared table on the wire: key `k`, last written by `w` at hybrid logical time
 * (`l` ms, counter `c`). Ordered by (l, c, w), then content: the last writer wins everywhere.
 */
export interface SharedKvWire {
  readonly t: string;
  readonly k: string;
  readonly l: number;
  readonly c: number;
  readonly w: string;
  readonly st: KvState;
  readonly d: Uint8Array;
  /** The writer's signature over every other field (absent without identity). */
  readonly sg?: Uint8Array;
}

export type KvState = 0 | 1;
export const kvStates = Object.freeze({ set: 0, deleted: 1 } as const);

export type KvRejectReason =
  | 'malformed'
  | 'invalidOwner'
  | 'invalidKey'
  | 'invalidVersion'
  | 'invalidValue'
  | 'valueTooLarge'
  /** A signature field that is not one, or (with identity on) one its writer did not make. */
  | 'badSignature'
  /** With identity on: signed by a node that is not (yet) an admitted member. */
  | 'unknownSigner'
  /** A writer's clock (shared) or an owner's generation (owned) too far ahead of ours. */
  | 'clockSkew'
  /** Owned mode: a version above `versionMax` (2^52), one its owner could not write above. */
  | 'versionCeiling'
  /** Owned mode: a new key of an owner that has `recordsPerOwnerMax` records already. */
  | 'ownerFull';

export interface KvLimits {
  readonly tag: string;
  readonly keyLengthMax: number;
  readonly valueBytesMax: number;
}

const ownerMax = 128;
const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isText = (x: unknown, max: number): x is string =>
  typeof x === 'string' && x.length > 0 && x.length <= max;

type Checked<R> =
  { readonly ok: true; readonly record: R } | { readonly ok: false; readonly reason: KvRejectReason };

/** The fields both kinds share, checked; a reason when one is wrong. */
function checkCommon(r: Record<string, unknown>, limits: KvLimits): KvRejectReason | undefined {
  if (r.t !== limits.tag) return 'malformed';
  if (!isText(r.w, ownerMax)) return 'invalidOwner';
  if (!isText(r.k, limits.keyLengthMax)) return 'invalidKey';
  if (r.st !== 0 && r.st !== 1) return 'malformed';
  if (!(r.d instanceof Uint8Array)) return 'invalidValue';
  if (r.d.length > limits.valueBytesMax) return 'valueTooLarge';
  // A live value's content is checked (decoded) only when it would be stored: see `valueAdmission`.
  if (r.st === kvStates.deleted ? r.d.length !== 0 : r.d.length === 0) return 'invalidValue';
  return undefined;
}

/** Validates with `fields` inside a guard: a hostile object (a throwing getter) is malformed. */
function guarded<R>(
  raw: unknown,
  limits: KvLimits,
  build: (r: Record<string, unknown>) => Checked<R>,
): Checked<R> {
  try {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
      return { ok: false, reason: 'malformed' };
    const r = raw as Record<string, unknown>;
    const reason = checkCommon(r, limits);
    return reason === undefined ? build(r) : { ok: false, reason };
  } catch {
    return { ok: false, reason: 'malformed' };
  }
}

export function ownedSchema(limits: KvLimits): RegisterSchema<OwnedKvWire, KvRejectReason> {
  return Object.freeze({
    validate: (raw: unknown) =>
      guarded<OwnedKvWire>(raw, limits, (r) => {
        if (!isCount(r.g) || !isCount(r.v)) return { ok: false, reason: 'invalidVersion' };
        const sg = parseSignatureField(r.sg);
        if (sg === false) return { ok: false, reason: 'badSignature' };
        const { t, w, k, g, v, st, d } = r as unknown as OwnedKvWire;
        return {
          ok: true,
          record: Object.freeze({ t, w, k, g, v, st, d: Uint8Array.from(d), ...withSignature(sg) }),
        };
      }),
    key: (r: OwnedKvWire) => ownedKey(r.w, r.k),
    owner: (r: OwnedKvWire) => r.w,
    compare: (a: OwnedKvWire, b: OwnedKvWire) => cmp(a.g, b.g) || cmp(a.v, b.v) || compareContent(a, b),
    hash: (r: OwnedKvWire) => {
      const h = new Hash64(0x6b76);
      ownedFields(r, h);
      return h.digest();
    },
    isTombstone: (r: OwnedKvWire) => r.st === kvStates.deleted,
  });
}

export function sharedSchema(limits: KvLimits): RegisterSchema<SharedKvWire, KvRejectReason> {
  return Object.freeze({
    validate: (raw: unknown) =>
      guarded<SharedKvWire>(raw, limits, (r) => {
        if (!isCount(r.l) || !isCount(r.c)) return { ok: false, reason: 'invalidVersion' };
        const sg = parseSignatureField(r.sg);
        if (sg === false) return { ok: false, reason: 'badSignature' };
        const { t, k, l, c, w, st, d } = r as unknown as SharedKvWire;
        return {
          ok: true,
          record: Object.freeze({ t, k, l, c, w, st, d: Uint8Array.from(d), ...withSignature(sg) }),
        };
      }),
    key: (r: SharedKvWire) => r.k,
    compare: (a: SharedKvWire, b: SharedKvWire) =>
      cmp(a.l, b.l) || cmp(a.c, b.c) || cmp(a.w, b.w) || compareContent(a, b),
    hash: (r: SharedKvWire) => {
      const h = new Hash64(0x6b73);
      sharedFields(r, h);
      return h.digest();
    },
    isTombstone: (r: SharedKvWire) => r.st === kvStates.deleted,
  });
}

/** Every field of an owned entry but the signature: what the digest hashes and the owner signs. */
export function ownedFields(r: OwnedKvWire, f: FieldSink): void {
  f.string(r.w);
  f.string(r.k);
  f.uint(r.g);
  f.uint(r.v);
  f.uint(r.st);
  f.bytes(r.d);
}

/** Every field of a shared entry but the signature: what the digest hashes and the writer signs. */
export function sharedFields(r: SharedKvWire, f: FieldSink): void {
  f.string(r.k);
  f.uint(r.l);
  f.uint(r.c);
  f.string(r.w);
  f.uint(r.st);
  f.bytes(r.d);
}

/** The table key of an owned entry: the owner's length leads, so `a` + `b/c` and `a/b` + `c` differ. */
export function ownedKey(owner: string, key: string): string {
  return `${owner.length}:${owner}/${key}`;
}

function compareContent(
  a: { st: number; k: string; d: Uint8Array },
  b: { st: number; k: string; d: Uint8Array },
): -1 | 0 | 1 {
  return cmp(a.st, b.st) || cmp(a.k, b.k) || compareBytes(a.d, b.d);
}

function compareBytes(a: Uint8Array, b: Uint8Array): -1 | 0 | 1 {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return cmp(a.length, b.length);
}

function cmp(x: string | number, y: string | number): -1 | 0 | 1 {
  return x === y ? 0 : x < y ? -1 : 1;
}

/**
 * The content check of a value that is about to be stored (a table's `admit` rule): decoding is
 * the costly part of validation, so duplicates and older copies, refused before it, skip it.
 */
export function valueAdmission(r: {
  readonly st: KvState;
  readonly d: Uint8Array;
}): 'invalidValue' | undefined {
  if (r.st !== kvStates.set) return undefined;
  const decoded = decodeValue(r.d);
  if (!decoded.ok) return 'invalidValue';
  admitted.set(r, decoded.value);
  return undefined;
}

/** Values decoded at admission, by record, so the view does not decode them again. */
const admitted = new WeakMap<object, unknown>();

/** The value of a record (decoded at admission if it was). */
export function recordValue(r: { readonly d: Uint8Array }): unknown {
  if (admitted.has(r)) return admitted.get(r);
  const decoded = decodeValue(r.d);
  return decoded.ok ? decoded.value : undefined;
}
