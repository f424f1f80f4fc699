/**
 * Test budgets: quick by default so the whole suite stays fast in CI, extensive on demand
 * (`TRELLIS_EXTENSIVE=1`), as yjs does with its random-ops tests.
 */
export const extensive = process.env['TRELLIS_EXTENSIVE'] === '1';

/** fast-check runs per property. */
export const numRuns = extensive ? 20_000 : 300;

/** A fixed seed, or the one given as `SEED=n` to replay a failure. */
export function seedFromEnv(fallback: number): number {
  const s = process.env['SEED'];
  return s === undefined ? fallback : Number.parseInt(s, 10);
}
