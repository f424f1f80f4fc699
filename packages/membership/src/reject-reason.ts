/**
 * Why a remote record was refused. Each reason has a counter on the table; a core never throws
 * on remote input, so these counters (and the protocol layer's events) are how an operator sees
 * a misbehaving or incompatible peer.
 */
export type RejectReason =
  /** Not an object, or a field is missing or of the wrong type. */
  | 'malformed'
  | 'invalidId'
  | 'invalidAddr'
  /** Negative, fractional, NaN or beyond 2^53 - 1. */
  | 'invalidIncarnation'
  | 'invalidStatus'
  | 'metaTooLarge'
  /** A new id while the table holds `membersMax` records. */
  | 'tableFull'
  /** News about ourselves at the largest incarnation: we cannot refute it, so we ignore it. */
  | 'unrefutable'
  /** An incarnation more than `clockSkewMaxMs` ahead of our clock. */
  | 'clockSkew';

export const rejectReasons: readonly RejectReason[] = Object.freeze([
  'malformed',
  'invalidId',
  'invalidAddr',
  'invalidIncarnation',
  'invalidStatus',
  'metaTooLarge',
  'tableFull',
  'unrefutable',
  'clockSkew',
]);
