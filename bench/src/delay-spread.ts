/** Summaries of delays observed on real sockets (ms, rounded). */
export function median(xs: readonly number[]): number | undefined {
  if (xs.length === 0) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 === 1 ? s[mid] : (s[mid - 1]! + s[mid]!) / 2;
}

export const round = (x: number | undefined): number | undefined =>
  x === undefined ? undefined : Math.round(x);

/** first / median / max of the observed delays, rounded to ms. */
export function spread(xs: readonly number[]): { first?: number; median?: number; max?: number } {
  if (xs.length === 0) return {};
  return { first: round(Math.min(...xs))!, median: round(median(xs))!, max: round(Math.max(...xs))! };
}
