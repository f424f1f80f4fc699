import ipaddr from 'ipaddr.js';
import { Hash64, type EntryHash, type RegisterSchema } from '@trellis/membership';
import type { FieldSink } from '@trellis/runtime';
import { parseSignatureField, withSignature } from '@trellis/store';

/**
 * A task on the wire and in the replicated table: what the agent that runs it (the owner, its
 * only writer) says about it. Ordered like route records: (generation, version), the owner
 * bumps `v` on every change and starts a higher `g` on every restart; equal (g, v) with
 * different content only happens with forgery, and a content comparison breaks the tie the
 * same way everywhere.
 */
export interface TaskWire {
  readonly t: 'k';
  /** Owner: the agent's node id. */
  readonly w: string;
  /** Task id, unique per owner. */
  readonly i: string;
  readonly g: number;
  readonly v: number;
  /** State: 0 running (published), 1 withdrawn (tombstone). */
  readonly st: TaskState;
  /** Task name, as given. */
  readonly n: string;
  /** Framework name, as given. */
  readonly f: string;
  /** The agent's IP (IPv4 or IPv6, canonical text). */
  readonly a: string;
  /** Virtual networks: `[overlay, ipv4 or '', ipv6 or '']`, sorted by overlay name. */
  readonly nw: readonly (readonly [string, string, string])[];
  /** The owner's signature over every other field (absent without identity). */
  readonly sg?: Uint8Array;
}

export type TaskState = 0 | 1;
export const taskStates = Object.freeze({ running: 0, withdrawn: 1 } as const);

export type TaskRejectReason =
  | 'malformed'
  | 'invalidOwner'
  | 'invalidId'
  | 'invalidVersion'
  | 'invalidName'
  | 'invalidAddress'
  | 'invalidNetwork'
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

/** Limits a record must respect (also what `publish` enforces on local input). */
export const taskLimits = Object.freeze({
  idMax: 255,
  nameMax: 255,
  ownerMax: 128,
  networksMax: 16,
});

export const overlayNamePattern = /^[a-z0-9][a-z0-9-]{0,12}$/;

const isCount = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;
const isText = (x: unknown, max: number): x is string =>
  typeof x === 'string' && x.length > 0 && x.length <= max;

/** C0 and C1 controls and DEL: they corrupt logs, terminals and API paths when ids are printed. */
export function hasControlChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

/** Canonical text of an address of the given family, or undefined if it is not one. */
export function canonicalIp(text: string, family: 4 | 6 | 'any'): string | undefined {
  if (family !== 6 && ipaddr.IPv4.isValidFourPartDecimal(text)) return ipaddr.IPv4.parse(text).toString();
  // Zoned addresses (fe80::1%eth0) mean nothing on another host.
  if (family !== 4 && ipaddr.IPv6.isValid(text) && !text.includes('%'))
    return ipaddr.IPv6.parse(text).toString();
  return undefined;
}

/** The one point where a peer's task record becomes a typed value. Never throws. */
export function validateTaskWire(
  raw: unknown,
):
  | { readonly ok: true; readonly record: TaskWire }
  | { readonly ok: false; readonly reason: TaskRejectReason } {
  try {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return bad('malformed');
    const r = raw as Record<string, unknown>;
    if (r.t !== 'k') return bad('malformed');
    if (!isText(r.w, taskLimits.ownerMax)) return bad('invalidOwner');
    if (!isText(r.i, taskLimits.idMax) || hasControlChar(r.i)) return bad('invalidId');
    if (!isCount(r.g) || !isCount(r.v)) return bad('invalidVersion');
    if (r.st !== 0 && r.st !== 1) return bad('malformed');
    if (!isText(r.n, taskLimits.nameMax) || !isText(r.f, taskLimits.nameMax)) return bad('invalidName');
    if (typeof r.a !== 'string' || canonicalIp(r.a, 'any') !== r.a) return bad('invalidAddress');
    if (!Array.isArray(r.nw) || r.nw.length > taskLimits.networksMax) return bad('invalidNetwork');
    const nw: (readonly [string, string, string])[] = [];
    for (const n of r.nw as unknown[]) {
      if (!Array.isArray(n) || n.length !== 3) return bad('invalidNetwork');
      const [o, v4, v6] = n as unknown[];
      if (typeof o !== 'string' || !overlayNamePattern.test(o)) return bad('invalidNetwork');
      if (nw.length > 0 && nw[nw.length - 1]![0] >= o) return bad('invalidNetwork'); // sorted, unique
      if (typeof v4 !== 'string' || (v4 !== '' && canonicalIp(v4, 4) !== v4)) return bad('invalidAddress');
      if (typeof v6 !== 'string' || (v6 !== '' && canonicalIp(v6, 6) !== v6)) return bad('invalidAddress');
      nw.push(Object.freeze([o, v4, v6] as const));
    }
    const sg = parseSignatureField(r.sg);
    if (sg === false) return bad('badSignature');
    return {
      ok: true,
      record: Object.freeze({
        t: 'k',
        w: r.w,
        i: r.i,
        g: r.g,
        v: r.v,
        st: r.st,
        n: r.n,
        f: r.f,
        a: r.a,
        nw: Object.freeze(nw),
        ...withSignature(sg),
      }),
    };
  } catch {
    // A hostile object (a getter that throws) is malformed input, not our crash.
    return bad('malformed');
  }
}

function bad(reason: TaskRejectReason): { readonly ok: false; readonly reason: TaskRejectReason } {
  return { ok: false, reason };
}

/**
 * The table key of a task. Owner ids and task ids may both contain `/`, so the owner's length
 * leads: `a` + `b/c` and `a/b` + `c` must never share a key.
 */
export function taskKey(owner: string, id: string): string {
  return `${owner.length}:${owner}/${id}`;
}

/** Total order used by the join: generation, version, then content (field by field). */
export function compareTaskWire(a: TaskWire, b: TaskWire): -1 | 0 | 1 {
  if (a.g !== b.g) return a.g < b.g ? -1 : 1;
  if (a.v !== b.v) return a.v < b.v ? -1 : 1;
  return (
    cmp(a.st, b.st) ||
    cmp(a.w, b.w) ||
    cmp(a.i, b.i) ||
    cmp(a.n, b.n) ||
    cmp(a.f, b.f) ||
    cmp(a.a, b.a) ||
    cmp(a.nw.length, b.nw.length) ||
    a.nw.reduce<-1 | 0 | 1>(
      (c, n, k) => c || cmp(n[0], b.nw[k]![0]) || cmp(n[1], b.nw[k]![1]) || cmp(n[2], b.nw[k]![2]),
      0,
    )
  );
}

function cmp(x: string | number, y: string | number): -1 | 0 | 1 {
  return x === y ? 0 : x < y ? -1 : 1;
}

/** The digest version of a record: any difference in any field shows. */
export function taskHash(r: TaskWire): EntryHash {
  const h = new Hash64(0x7a5c);
  taskFields(r, h);
  return h.digest();
}

/** Every field but the signature, in one order: what the digest hashes and the owner signs. */
export function taskFields(r: TaskWire, f: FieldSink): void {
  f.string(r.w);
  f.string(r.i);
  f.uint(r.g);
  f.uint(r.v);
  f.uint(r.st);
  f.string(r.n);
  f.string(r.f);
  f.string(r.a);
  f.uint(r.nw.length);
  for (const [o, v4, v6] of r.nw) {
    f.string(o);
    f.string(v4);
    f.string(v6);
  }
}

export const taskSchema: RegisterSchema<TaskWire, TaskRejectReason> = Object.freeze({
  validate: validateTaskWire,
  key: (r: TaskWire) => taskKey(r.w, r.i),
  owner: (r: TaskWire) => r.w,
  compare: compareTaskWire,
  hash: taskHash,
  isTombstone: (r: TaskWire) => r.st === taskStates.withdrawn,
});
