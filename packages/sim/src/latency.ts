import type { ConfigProblems, Rng } from '@trellis/runtime';

/**
 * A one-way delay distribution, as plain data so that configs stay serialisable and a test can
 * print exactly what it ran with. Every sample is clipped at 0: a link never delivers early.
 */
export type LatencyDistribution =
  | { readonly kind: 'constant'; readonly ms: number }
  | { readonly kind: 'uniform'; readonly minMs: number; readonly maxMs: number }
  /** `baseMs` plus an exponential tail: a propagation floor and queueing delay above it. */
  | { readonly kind: 'exponential'; readonly baseMs: number; readonly meanMs: number }
  | { readonly kind: 'normal'; readonly meanMs: number; readonly stdDevMs: number }
  /** Heavy-tailed like real RTTs: `medianMs * e^(sigma * N(0, 1))`. */
  | { readonly kind: 'lognormal'; readonly medianMs: number; readonly sigma: number };

/** Builders, so call sites read `latency.uniform(0.2, 2)`. */
export const latency = Object.freeze({
  constant: (ms: number): LatencyDistribution => ({ kind: 'constant', ms }),
  uniform: (minMs: number, maxMs: number): LatencyDistribution => ({ kind: 'uniform', minMs, maxMs }),
  exponential: (baseMs: number, meanMs: number): LatencyDistribution => ({
    kind: 'exponential',
    baseMs,
    meanMs,
  }),
  normal: (meanMs: number, stdDevMs: number): LatencyDistribution => ({ kind: 'normal', meanMs, stdDevMs }),
  lognormal: (medianMs: number, sigma: number): LatencyDistribution => ({
    kind: 'lognormal',
    medianMs,
    sigma,
  }),
});

/** Draws one delay in milliseconds (>= 0). Draw count per kind is fixed, which keeps replays stable. */
export function sampleLatency(d: LatencyDistribution, rng: Rng): number {
  switch (d.kind) {
    case 'constant':
      return d.ms;
    case 'uniform':
      return d.minMs + rng.float() * (d.maxMs - d.minMs);
    case 'exponential':
      return d.baseMs + rng.exponential(d.meanMs);
    case 'normal':
      return Math.max(0, d.meanMs + d.stdDevMs * standardNormal(rng));
    case 'lognormal':
      return d.medianMs * Math.exp(d.sigma * standardNormal(rng));
  }
}

/** Box-Muller; the second variate is discarded so that each sample costs exactly two draws. */
function standardNormal(rng: Rng): number {
  const u = 1 - rng.float(); // (0, 1]: log(0) would be -Infinity
  const v = rng.float();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** Records every problem with `d` under `path`. */
export function checkLatency(problems: ConfigProblems, path: string, d: unknown): void {
  if (typeof d !== 'object' || d === null || !('kind' in d)) {
    problems.add(path, 'must be a latency distribution such as { kind: "constant", ms: 1 }');
    return;
  }
  const r = d as Record<string, unknown>;
  const big = 3_600_000;
  switch (r['kind']) {
    case 'constant':
      problems.number(`${path}.ms`, r['ms'], 0, big);
      return;
    case 'uniform':
      if (problems.number(`${path}.minMs`, r['minMs'], 0, big))
        problems.number(`${path}.maxMs`, r['maxMs'], r['minMs'] as number, big);
      return;
    case 'exponential':
      problems.number(`${path}.baseMs`, r['baseMs'], 0, big);
      problems.number(`${path}.meanMs`, r['meanMs'], 0, big);
      return;
    case 'normal':
      problems.number(`${path}.meanMs`, r['meanMs'], 0, big);
      problems.number(`${path}.stdDevMs`, r['stdDevMs'], 0, big);
      return;
    case 'lognormal':
      problems.number(`${path}.medianMs`, r['medianMs'], 0, big);
      problems.number(`${path}.sigma`, r['sigma'], 0, 10);
      return;
    default:
      problems.add(`${path}.kind`, 'must be constant, uniform, exponential, normal or lognormal');
  }
}
