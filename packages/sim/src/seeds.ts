/**
 * Seeds for tests: a fixed default keeps CI reproducible, `SEED=n` in the environment replays
 * (or explores) a particular run, and every failure prints the seed that produced it.
 */
export function seedFromEnv(defaultSeed: number): number {
  const raw = process.env['SEED'];
  if (raw === undefined || raw === '') return defaultSeed;
  const seed = Number(raw);
  if (!Number.isInteger(seed)) throw new RangeError(`SEED must be an integer, got ${JSON.stringify(raw)}`);
  return seed;
}

/** The part of a test context `withSeed` needs (ava's `t` fits), so this package does not depend on ava. */
export interface SeedLog {
  log(...values: unknown[]): void;
}

/** Runs `fn(seed)`; if it throws or rejects, logs `SEED=n replays this run` and rethrows. */
export function withSeed<R>(t: SeedLog, seed: number, fn: (seed: number) => R): R {
  const report = (error: unknown): never => {
    t.log(`SEED=${seed} replays this run`);
    throw error;
  };
  let result: R;
  try {
    result = fn(seed);
  } catch (error) {
    return report(error);
  }
  if (result instanceof Promise) return result.catch(report) as R;
  return result;
}
