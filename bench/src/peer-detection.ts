/**
 * Where failure detection time goes, per implementation and N, from one run's `fail` rows:
 * until the victim's first prober suspected it (waiting for a probe of the dead node, the probe
 * timeout, the indirect probes, the rest of the probe interval), then the suspicion timeout
 * (first death - first suspicion), then dissemination (last death - first death). Beside them,
 * the suspicion floor each side computes: suspicionMult x max(1, log10 N) x probe interval.
 */
import { swimProfiles } from '@trellis/swim';
import type { ResultLine } from './results.js';
import { median } from './delay-spread.js';

/** memberlist's DefaultLANConfig (config.go): SuspicionMult 4, ProbeInterval 1 s. */
const memberlistLan = { suspicionMult: 4, probeIntervalMs: 1000 };

function floorMs(l: ResultLine): number {
  const swim = l.swim as { suspicionMult?: number } | undefined;
  const lan = l.impl === 'memberlist' ? memberlistLan : swimProfiles.lan;
  const mult = swim?.suspicionMult ?? lan.suspicionMult;
  return Math.floor(mult * Math.max(1, Math.log10(Number(l.n))) * lan.probeIntervalMs);
}

interface Phases {
  suspected: number;
  suspicion: number;
  spread: number;
  total: number;
}

function phases(l: ResultLine): Phases | undefined {
  const ms = l.ms as { first?: number; max?: number } | undefined;
  const s = (l.suspected as { ms?: { first?: number } } | undefined)?.ms?.first;
  if (l.missed !== 0 || ms?.first === undefined || ms.max === undefined || s === undefined) return undefined;
  return { suspected: s, suspicion: ms.first - s, spread: ms.max - ms.first, total: ms.max };
}

/** A markdown table: medians over the repetitions that detected the crash everywhere. */
export function detectionTable(lines: readonly ResultLine[]): string {
  const fails = lines.filter((l) => l.scenario === 'fail' && l.profile === 'lan');
  const keys = [...new Set(fails.map((l) => `${l.impl}|${String(l.n)}`))];
  const order = (impl: string) => (impl === 'memberlist' ? 0 : impl === 'trellis' ? 1 : 2);
  keys.sort((a, b) => {
    const [ia, na] = a.split('|') as [string, string];
    const [ib, nb] = b.split('|') as [string, string];
    return Number(na) - Number(nb) || order(ia) - order(ib) || ia.localeCompare(ib);
  });
  const out = [
    '| impl | N | runs | first suspicion ms | suspicion ms (floor) | dissemination ms | crash to dead everywhere ms |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const key of keys) {
    const these = fails.filter((l) => `${l.impl}|${String(l.n)}` === key);
    const ps = these.map(phases).filter((p): p is Phases => p !== undefined);
    const m = (f: (p: Phases) => number) => {
      const v = median(ps.map(f));
      return v === undefined ? '—' : String(Math.round(v));
    };
    const [impl, n] = key.split('|') as [string, string];
    out.push(
      `| ${impl} | ${n} | ${ps.length}/${these.length} | ${m((p) => p.suspected)} | ${m((p) => p.suspicion)} (${floorMs(these[0]!)}) | ${m((p) => p.spread)} | ${m((p) => p.total)} |`,
    );
  }
  return out.join('\n');
}
