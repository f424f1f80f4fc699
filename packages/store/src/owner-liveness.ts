import type { Instant } from '@trellis/runtime';
import type { Liveness } from './store-context.js';

/**
 * The owner lifecycle every owner-register store applies alike, so that replicas agree on it:
 * which owners' records are seen, and which are gone for good.
 */
export interface OwnerRules {
  readonly selfId: string;
  readonly liveness: Liveness;
  readonly graceMs: number;
  readonly reapMs: number;
}

/**
 * Are `owner`'s records part of the converged view? A live owner's are; a dead owner's for
 * `graceMs` after its death (the end is returned through `arm`, so the view is recomputed then);
 * a departed or unknown owner's are not. Our own records are the caller's business.
 */
export function ownerVisible(
  rules: OwnerRules,
  owner: string,
  now: Instant,
  arm: (at: Instant) => void,
): boolean {
  const status = rules.liveness.member(owner)?.status;
  if (status === 'alive' || status === 'suspect') return true;
  if (status !== 'dead') return false;
  const end = (rules.liveness.since(owner) ?? now) + rules.graceMs;
  if (end <= now) return false;
  arm(end);
  return true;
}

/**
 * Is a record of `owner` at `generation` gone for good? Yes when the owner left, or has been dead
 * for `reapMs` — unless the record is from a later life than the member record says (a restart
 * whose alive record has not reached us yet: its generation is above the tombstone's
 * incarnation); yes when the owner is unknown (its member record was collected) and the record
 * has been stored that long. Every replica applies the same rule, so they agree again once
 * each has swept.
 */
export function ownerGone(
  rules: OwnerRules,
  owner: string,
  generation: number,
  now: Instant,
  storedSince: Instant | undefined,
): boolean {
  if (owner === rules.selfId) return false;
  const m = rules.liveness.member(owner);
  if (m === undefined) return storedSince !== undefined && now - storedSince >= rules.reapMs;
  if (generation > m.incarnation) return false;
  if (m.status === 'left') return true;
  if (m.status === 'dead') return now - (rules.liveness.since(owner) ?? now) >= rules.reapMs;
  return false;
}
