import type { Rng } from '@trellis/runtime';
import type { Overlay } from './overlay.js';
import { routeStates, type RouteState, type RouteWire } from './route-record.js';

/** Where a new claim goes, and whether it continues a claim of an earlier life. */
export interface SliceChoice {
  readonly slice: number;
  /** Set when the claim continues an earlier one: its state and claim time carry over. */
  readonly continued?: { readonly st: RouteState; readonly c: number };
}

export interface SliceChoiceInput {
  readonly overlay: Overlay;
  readonly selfId: string;
  /** The winning claim of every occupied slice. */
  readonly taken: ReadonlyMap<number, RouteWire>;
  /** Our record of a previous life on this overlay, if one reached us. */
  readonly previous: RouteWire | undefined;
  /** A slice read back from our own kernel (the VTEP of a previous run). */
  readonly resumeSlice: number | undefined;
  readonly now: number;
  readonly rng: Rng;
}

/**
 * Our previous life's slice if it is still ours (peers see no change); else the slice our
 * kernel says we used (no record of that life reached us: we may be the first node up); else a
 * random free one. Undefined when every claimable slice is taken.
 */
export function chooseSlice(input: SliceChoiceInput): SliceChoice | undefined {
  const { overlay, selfId, taken, previous: prev } = input;
  const ours = (s: number) => taken.get(s)?.w === selfId || !taken.has(s);
  if (
    prev !== undefined &&
    prev.st !== routeStates.withdrawn &&
    prev.s < overlay.claimableSlices &&
    ours(prev.s)
  )
    return { slice: prev.s, continued: { st: prev.st, c: prev.c } };
  const r = input.resumeSlice;
  if (r !== undefined && Number.isInteger(r) && r >= 0 && r < overlay.claimableSlices && ours(r))
    return { slice: r, continued: { st: routeStates.settled, c: Math.floor(input.now) } };
  const free = freeSlice(overlay, taken, input.rng);
  return free === undefined ? undefined : { slice: free };
}

function freeSlice(overlay: Overlay, taken: ReadonlyMap<number, RouteWire>, rng: Rng): number | undefined {
  const n = overlay.claimableSlices;
  // Random, not lowest-first: agents booting together rarely pick the same slice.
  for (let i = 0; i < 16; i++) {
    const s = rng.int(0, n);
    if (!taken.has(s)) return s;
  }
  const free: number[] = [];
  for (let s = 0; s < n; s++) if (!taken.has(s)) free.push(s);
  return free.length === 0 ? undefined : rng.pick(free);
}
