import type { Instant } from '@trellis/runtime';

/**
 * The highest version a peer's record may carry. Below the largest safe integer with room to
 * spare, so the owner can always write one above anything a peer holds under its key: a record
 * at 2^53 - 1 would stand for good, its owner's next version no longer exact.
 */
export const versionMax = 2 ** 52;

/** The default of `clockSkewMaxMs`: an hour, as kv's shared tables already bound their clocks. */
export const clockSkewMaxMsDefault = 3_600_000;

/**
 * Where the owner's next write under a key goes: at `generation`, one version above `above` (the
 * record it replaces) and, in the owner's own generation, above its version clock `clock`. Past
 * `versionMax` (a peer's record at the ceiling under the owner's name) it goes to the next
 * generation at version 0 instead, never past the ceiling: peers would refuse it. That
 * generation is a millisecond further ahead than one peers accepted, which their clocks pass a
 * millisecond later.
 */
export function nextPlace(
  generation: number,
  above: { readonly g: number; readonly v: number } | undefined,
  ownGeneration: number,
  clock: number,
): { readonly g: number; readonly v: number } {
  let v = above?.g === generation ? above.v + 1 : 0;
  if (generation === ownGeneration) v = Math.max(v, clock + 1);
  return v > versionMax ? { g: generation + 1, v: 0 } : { g: generation, v };
}

/** Why a peer record's place in its owner's order is refused. */
export type BoundsRefusal = 'clockSkew' | 'versionCeiling';

/**
 * Is `r`'s (generation, version) one its owner could have written? A generation is the owner's
 * start time in ms, so one more than `clockSkewMaxMs` ahead of our clock is a forgery (or a
 * clock so wrong that trusting it would let it win every key for that long); a version above
 * `versionMax` is one the owner could not get above.
 */
export function boundsRefusal(
  r: { readonly g: number; readonly v: number },
  now: Instant,
  clockSkewMaxMs: number,
): BoundsRefusal | undefined {
  if (r.g > now + clockSkewMaxMs) return 'clockSkew';
  if (r.v > versionMax) return 'versionCeiling';
  return undefined;
}
