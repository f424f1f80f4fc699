/**
 * How one piece of news spreads through a simulated cluster: the virtual time at which each
 * observer first satisfies a predicate, turned into the 99.9 % and 100 % times and the informed
 * fraction over time (the chart's curve).
 */
import type { Simulation } from '@trellis/sim';
import type { GossipNode } from './sim-cluster.js';

export interface Spread {
  /** Virtual ms from the cause until 99.9 % / all observers knew; null: not within the timeout. */
  readonly ms: { readonly p999: number | null; readonly all: number | null };
  /** [virtual ms since the cause, fraction of observers informed], every `sampleEveryMs`. */
  readonly curve: [number, number][];
  readonly observers: number;
  readonly informed: number;
}

export interface SpreadOptions {
  readonly timeoutMs: number;
  /** Resolution of the per-observer times (virtual ms between checks). */
  readonly checkEveryMs?: number;
  readonly sampleEveryMs?: number;
  /** Called between checks, e.g. to sample memory. */
  readonly onCheck?: () => void;
}

export function measureSpread(
  sim: Simulation,
  observers: readonly GossipNode[],
  knows: (n: GossipNode) => boolean,
  opts: SpreadOptions,
): Spread {
  const checkEveryMs = opts.checkEveryMs ?? 10;
  const sampleEveryMs = opts.sampleEveryMs ?? 50;
  const start = sim.now;
  const times: number[] = [];
  let pending = observers.filter((n) => {
    if (!knows(n)) return true;
    times.push(0);
    return false;
  });
  while (pending.length > 0 && sim.now - start < opts.timeoutMs) {
    sim.run(checkEveryMs);
    const at = sim.now - start;
    pending = pending.filter((n) => {
      if (!knows(n)) return true;
      times.push(at);
      return false;
    });
    opts.onCheck?.();
  }
  times.sort((a, b) => a - b);
  const total = observers.length;
  const need = Math.ceil(0.999 * total);
  const p999 = times.length >= need && need > 0 ? times[need - 1]! : total === 0 ? 0 : null;
  const all = pending.length === 0 ? (times.at(-1) ?? 0) : null;
  const curve: [number, number][] = [];
  const end = all ?? sim.now - start;
  let k = 0;
  for (let t = 0; ; t += sampleEveryMs) {
    while (k < times.length && times[k]! <= t) k++;
    curve.push([t, total === 0 ? 1 : Number((k / total).toFixed(5))]);
    if (t >= end) break;
  }
  return { ms: { p999, all }, curve, observers: total, informed: times.length };
}
