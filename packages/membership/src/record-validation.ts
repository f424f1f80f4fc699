import { InvalidArgumentError, describe } from '@trellis/runtime';
import { freezeRecord, incarnationMax, type MemberRecord } from './member-record.js';
import { isMemberStatus } from './member-status.js';
import type { RejectReason } from './reject-reason.js';

export const idLengthMax = 128;
/** A DNS name (253) plus brackets, colon and a five-digit port. */
export const addrLengthMax = 262;

// A bracketed IPv6 literal (optionally with an IPv4 tail) or a host name / IPv4 address.
const addrShape = /^(?:\[([0-9A-Fa-f:.]{2,45})\]|([A-Za-z0-9._-]{1,253})):([0-9]{1,5})$/;

export function isValidId(id: unknown): id is string {
  return typeof id === 'string' && id.length >= 1 && id.length <= idLengthMax && !hasControlChar(id);
}

// C0 controls, DEL and C1 controls: they corrupt logs and terminals when ids are printed.
function hasControlChar(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c <= 0x1f || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}

export function isValidAddr(addr: unknown): addr is string {
  if (typeof addr !== 'string' || addr.length > addrLengthMax) return false;
  const m = addrShape.exec(addr);
  if (m === null) return false;
  const ipv6 = m[1];
  if (ipv6 !== undefined && !ipv6.includes(':')) return false;
  const port = Number(m[3]);
  return port >= 1 && port <= 65535;
}

export function isValidIncarnation(n: unknown): n is number {
  return typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= incarnationMax;
}

export type RecordValidation =
  | { readonly ok: true; readonly record: MemberRecord }
  | { readonly ok: false; readonly reason: RejectReason };

/**
 * The single entry point for remote records: anything a decoder produced goes through here
 * and comes out as a frozen, valid record or a reason. Never throws, even on hostile objects
 * (getters that throw, proxies), because a peer must not be able to crash a core.
 */
export function validateRecord(input: unknown, metaSizeMax: number): RecordValidation {
  try {
    return validateFields(input, metaSizeMax);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
}

function validateFields(input: unknown, metaSizeMax: number): RecordValidation {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return reject('malformed');
  const o = input as Record<string, unknown>;
  const { id, addr, incarnation, status, meta } = o;
  if (typeof id !== 'string' || typeof addr !== 'string' || typeof incarnation !== 'number') {
    return reject('malformed');
  }
  if (typeof status !== 'string' || !(meta instanceof Uint8Array)) return reject('malformed');
  if (!isValidId(id)) return reject('invalidId');
  if (!isValidAddr(addr)) return reject('invalidAddr');
  if (!isValidIncarnation(incarnation)) return reject('invalidIncarnation');
  if (!isMemberStatus(status)) return reject('invalidStatus');
  if (meta.byteLength > metaSizeMax) return reject('metaTooLarge');
  return { ok: true, record: freezeRecord({ id, addr, incarnation, status, meta }) };
}

function reject(reason: RejectReason): RecordValidation {
  return { ok: false, reason };
}

/** Local counterparts: the caller's mistake, so they throw `InvalidArgumentError`. */
export function requireId(id: unknown, what = 'id'): string {
  if (!isValidId(id)) {
    throw new InvalidArgumentError(
      `${what} must be 1..${idLengthMax} characters without control characters, got ${describe(id)}`,
    );
  }
  return id;
}

export function requireAddr(addr: unknown): string {
  if (!isValidAddr(addr)) {
    throw new InvalidArgumentError(
      `addr must be host:port with port 1..65535 (IPv6 as [::1]:7946), got ${describe(addr)}`,
    );
  }
  return addr;
}

export function requireIncarnation(n: unknown): number {
  if (!isValidIncarnation(n)) {
    throw new InvalidArgumentError(`incarnation must be a non-negative safe integer, got ${describe(n)}`);
  }
  return n;
}

export function requireMeta(meta: unknown, metaSizeMax: number): Uint8Array {
  if (!(meta instanceof Uint8Array)) {
    throw new InvalidArgumentError(`meta must be a Uint8Array, got ${describe(meta)}`);
  }
  if (meta.byteLength > metaSizeMax) {
    throw new InvalidArgumentError(`meta is ${meta.byteLength} bytes, more than metaSizeMax ${metaSizeMax}`);
  }
  return meta;
}

export function requireInstant(now: unknown): number {
  if (typeof now !== 'number' || !Number.isFinite(now)) {
    throw new InvalidArgumentError(`now must be a finite number of milliseconds, got ${describe(now)}`);
  }
  return now;
}
