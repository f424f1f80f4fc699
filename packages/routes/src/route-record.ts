import ipaddr from 'ipaddr.js';
import { Hash64, type EntryHash, type RegisterSchema } from '@trellis/membership';
import type { FieldSink } from '@trellis/runtime';
import { parseSignatureField, withSignature } from '@trellis/store';

/**
 * A route claim on the wire and in the replicated table: what one agent (the owner, its only
 * writer) says about itself on one overlay. Subnets are not carried: they follow from the
 * overlay and the slice index, so two nodes can never disagree about them.
 *
 * Order: (generation, version) — the owner bumps `version` on every change and starts a new,
 * higher `generation` on every restart (its start time in ms), so a per-key last-writer-wins
 * register is a valid CRDT. Equal (generation, version) with different content only happens
 * with forgery; a content comparison then breaks the tie the same way everywhere.
 */
export interface RouteWire {
  readonly t: 'r';
  /** Overlay name. */
  readonly o: string;
  /** Owner: the agent's node id. */
  readonly w: string;
  readonly g: number;
  readonly v: number;
  /** State: 0 claimed (settling), 1 settled (in use), 2 withdrawn (tombstone). */
  readonly st: RouteState;
  /** Owner's clock when it claimed this slice: earlier claims win conflicts. */
  readonly c: number;
  /** Slice index in the overlay. */
  readonly s: number;
  /** Underlay (host) IP, IPv4 or IPv6 (RFC 5952 text): where VXLAN packets for this agent go. */
  readonly u: string;
  /**
   * VTEP IP: the VTEP IPv4 on an overlay with IPv4; on an IPv6-only overlay the VTEP IPv6
   * (RFC 5952 text). Route admission checks the family against the overlay.
   */
  readonly vi: string;
  readonly vm: string;
  /** The owner's signature over every other field (absent without identity). */
  readonly sg?: Uint8Array;
}

export type RouteState = 0 | 1 | 2;
export const routeStates = Object.freeze({ claimed: 0, settled: 1, withdrawn: 2 } as const);

export type RouteRejectReason =
  | 'malformed'
  | 'invalidOverlay'
  | 'invalidOwner'
  | 'invalidVersion'
  | 'invalidSlice'
  | 'invalidAddress'
  /** A signature field that is not one, or (with identity on) one its owner did not make. */
  | 'badSignature'
  /** With identity on: signed by a node that is not (yet) an admitted member. */
  | 'unknownSigner'
  /** The owner left, or died (or vanished) longer than `reapMs` ago: its records are dropped. */
  | 'ownerGone'
  /** A generation more than `clockSkewMaxMs` ahead of our clock. */
  | 'clockSkew'
  /** A version above `versionMax` (2^52): its owner could not write one above it. */
  | 'versionCeiling'
  /** A new key of an owner that has `recordsPerOwnerMax` records already. */
  | 'ownerFull'
  | 'tableFull';

export const routeRejectReasons: readonly RouteRejectReason[] = Object.freeze([
  'malformed',
  'invalidOverlay',
  'invalidOwner',
  'invalidVersion',
  'invalidSlice',
  'invalidAddress',
  'badSignature',
  'unknownSigner',
  'ownerGone',
  'clockSkew',
  'versionCeiling',
  'ownerFull',
  'tableFull',
]);

export type RouteValidation =
  | { readonly ok: true; readonly record: RouteWire }
  | { readonly ok: false; readonly reason: RouteRejectReason };

const overlayName = /^[a-z0-9][a-z0-9-]{0,12}$/;
const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const mac = /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/;
/** Longest IPv6 text in RFC 5952 form (8 groups of 4 and 7 colons); longer strings are not parsed. */
const ipv6TextMax = 39;

/**
 * An underlay or VTEP IP as the owner must write it: a dotted quad, or IPv6 in its one RFC 5952 text
 * (lowercase, zeros compressed, no zone, no embedded IPv4), so that string equality is address
 * equality everywhere the record is compared, hashed and programmed.
 */
function isUnderlayText(u: string): boolean {
  if (ipv4.test(u)) return true;
  if (u.length > ipv6TextMax || !ipaddr.IPv6.isValid(u) || !/^[0-9a-f:]+$/.test(u)) return false;
  return ipaddr.IPv6.parse(u).toRFC5952String() === u;
}
const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

/** The one point where a peer's route record becomes a typed value. Never throws. */
export function validateRouteWire(raw: unknown): RouteValidation {
  try {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('malformed');
    const r = raw as Record<string, unknown>;
    if (r.t !== 'r') return bad('malformed');
    if (typeof r.o !== 'string' || !overlayName.test(r.o)) return bad('invalidOverlay');
    if (typeof r.w !== 'string' || r.w.length === 0 || r.w.length > 128) return bad('invalidOwner');
    if (!isCount(r.g) || !isCount(r.v) || !isCount(r.c)) return bad('invalidVersion');
    if (r.st !== 0 && r.st !== 1 && r.st !== 2) return bad('malformed');
    if (!isCount(r.s)) return bad('invalidSlice');
    if (typeof r.u !== 'string' || !isUnderlayText(r.u)) return bad('invalidAddress');
    if (typeof r.vi !== 'string' || !isUnderlayText(r.vi)) return bad('invalidAddress');
    if (typeof r.vm !== 'string' || !mac.test(r.vm)) return bad('invalidAddress');
    const sg = parseSignatureField(r.sg);
    if (sg === false) return bad('badSignature');
    return {
      ok: true,
      record: Object.freeze({
        t: 'r',
        o: r.o,
        w: r.w,
        g: r.g,
        v: r.v,
        st: r.st,
        c: r.c,
        s: r.s,
        u: r.u,
        vi: r.vi,
        vm: r.vm,
        ...withSignature(sg),
      }),
    };
  } catch {
    // A hostile object (a getter that throws) is malformed input, not our crash.
    return bad('malformed');
  }
}

function bad(reason: RouteRejectReason): RouteValidation {
  return { ok: false, reason };
}

export function routeKey(overlay: string, owner: string): string {
  return `${overlay}/${owner}`;
}

/** Total order used by the join: generation, version, then content (field by field). */
export function compareRouteWire(a: RouteWire, b: RouteWire): -1 | 0 | 1 {
  if (a.g !== b.g) return a.g < b.g ? -1 : 1;
  if (a.v !== b.v) return a.v < b.v ? -1 : 1;
  return (
    cmp(a.st, b.st) ||
    cmp(a.c, b.c) ||
    cmp(a.s, b.s) ||
    cmp(a.u, b.u) ||
    cmp(a.vi, b.vi) ||
    cmp(a.vm, b.vm) ||
    cmp(a.o, b.o) ||
    cmp(a.w, b.w)
  );
}

function cmp(x: string | number, y: string | number): -1 | 0 | 1 {
  return x === y ? 0 : x < y ? -1 : 1;
}

/** The lattice join of two records under one key. */
export function joinRouteWire(a: RouteWire, b: RouteWire): RouteWire {
  return compareRouteWire(a, b) >= 0 ? a : b;
}

/** Every field but the signature, in one order: what the digest hashes and the owner signs. */
export function routeFields(r: RouteWire, f: FieldSink): void {
  f.string(r.o);
  f.string(r.w);
  f.uint(r.g);
  f.uint(r.v);
  f.uint(r.st);
  f.uint(r.c);
  f.uint(r.s);
  f.string(r.u);
  f.string(r.vi);
  f.string(r.vm);
}

/** The digest version of a record: any difference in any field shows. */
export function routeHash(r: RouteWire): EntryHash {
  const h = new Hash64(0x7a11);
  routeFields(r, h);
  return h.digest();
}

/** Route records as single-writer registers (see `RegisterSchema`). */
export const routeSchema: RegisterSchema<RouteWire, RouteRejectReason> = Object.freeze({
  validate: validateRouteWire,
  key: (r: RouteWire) => routeKey(r.o, r.w),
  owner: (r: RouteWire) => r.w,
  compare: compareRouteWire,
  hash: routeHash,
  isTombstone: (r: RouteWire) => r.st === routeStates.withdrawn,
});
