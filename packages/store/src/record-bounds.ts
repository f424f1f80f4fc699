import type { Instant } from '@trellis/runtime';

/**
 * The highest version a peer's record may carry. Below the largest safe integer with room to
 * spare, so the owner can always write one above anything a peer holds under its key: a record
 * at 2^53 - 1 would stand for good, its owner's next version no longer exact.
 */
export const versionMax = 2 ** 52;

/** The default of `clockSkewMaxMs`: an hour, as kv's shared tables already bound their clocks. */
export const clockSkewMaxMsDefault = 3_600_000;

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
