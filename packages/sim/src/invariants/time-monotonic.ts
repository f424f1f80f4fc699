import type { Invariant } from './invariant.js';

/** Virtual time never goes backwards, neither between events nor between checks. */
export function timeMonotonic(): Invariant {
  let last = -Infinity;
  const advance = (at: number, what: string): string | undefined => {
    if (at < last) return `${what} at t=${at} after t=${last}`;
    last = at;
    return undefined;
  };
  return {
    name: 'virtual time is monotonic',
    observe: (entry) => advance(entry.atMs, entry.kind),
    check: (context) => advance(context.now, 'check'),
  };
}
