/**
 * The dataplane benchmark's rows and summary: one row per implementation, size and repetition;
 * ratios are taken per repetition (the pair ran seconds apart) and reported as the median of the
 * repetitions' ratios with their min-max.
 */
import { median } from './delay-spread.js';

export type Impl = 'trellis' | 'iproute2' | 'vishvananda';

export interface DataplaneRow {
  readonly impl: Impl;
  readonly scenario: 'write';
  readonly bench: 'dataplane';
  readonly run: string;
  readonly rep: number;
  readonly n: number;
  readonly objects: number;
  /** Wall time of the 3N writes (see `timing` for what is included). */
  readonly ms: number;
  readonly objectsPerSec: number;
  readonly verified: boolean;
  readonly loadavg1m: number;
  readonly resync?: { readonly ops: number; readonly observeMs: number; readonly planMs: number };
  readonly [field: string]: unknown;
}

export interface Ratio {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly reps: number;
}

/** trellis objects/s over `peer`'s, per repetition of size n, summarized. */
export function ratio(rows: readonly DataplaneRow[], n: number, peer: Impl): Ratio | undefined {
  const per: number[] = [];
  for (const t of rows.filter((r) => r.impl === 'trellis' && r.n === n)) {
    const p = rows.find((r) => r.impl === peer && r.n === n && r.rep === t.rep);
    if (p !== undefined) per.push(t.objectsPerSec / p.objectsPerSec);
  }
  const m = median(per);
  if (m === undefined) return undefined;
  return { median: m, min: Math.min(...per), max: Math.max(...per), reps: per.length };
}

export function fmt(x: number, digits = 0): string {
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const ratioText = (r: Ratio | undefined): string =>
  r === undefined ? '—' : `${r.median.toFixed(2)}x (${r.min.toFixed(2)}-${r.max.toFixed(2)})`;

function objPerSec(rows: readonly DataplaneRow[], impl: Impl, n: number): string {
  const v = median(rows.filter((r) => r.impl === impl && r.n === n).map((r) => r.objectsPerSec));
  return v === undefined ? '—' : fmt(v);
}

/** A plain-text table of medians per size, ratios with their spread. */
export function table(rows: readonly DataplaneRow[], sizes: readonly number[]): string {
  const head = [
    'N',
    'trellis obj/s',
    'iproute2 obj/s',
    'vishvananda obj/s',
    'trellis/iproute2',
    'trellis/vishvananda',
    'resync ops',
    'resync ms',
    'verified',
  ];
  const body = sizes.map((n) => {
    const these = rows.filter((r) => r.n === n);
    const resync = these.filter((r) => r.impl === 'trellis' && r.resync !== undefined).map((r) => r.resync!);
    const resyncMs = median(resync.map((s) => s.observeMs + s.planMs));
    return [
      fmt(n),
      objPerSec(rows, 'trellis', n),
      objPerSec(rows, 'iproute2', n),
      objPerSec(rows, 'vishvananda', n),
      ratioText(ratio(rows, n, 'iproute2')),
      ratioText(ratio(rows, n, 'vishvananda')),
      [...new Set(resync.map((s) => s.ops))].join('/'),
      resyncMs === undefined ? '—' : fmt(resyncMs, 1),
      these.every((r) => r.verified) ? 'yes' : 'NO',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function verdict(rows: readonly DataplaneRow[], sizes: readonly number[]): string[] {
  const notes: string[] = [];
  for (const n of sizes) {
    for (const peer of ['iproute2', 'vishvananda'] as const) {
      const r = ratio(rows, n, peer);
      if (r === undefined) continue;
      const word = r.median >= 1 ? 'at least as fast as' : 'SLOWER than';
      notes.push(`N=${n}: trellis is ${word} ${peer} (median ${r.median.toFixed(2)}x over ${r.reps} reps).`);
    }
    const bad = rows.filter((r) => r.n === n && r.impl === 'trellis' && (r.resync?.ops ?? 0) !== 0);
    if (bad.length > 0) notes.push(`N=${n}: a resync of an unchanged table issued ops (target 0).`);
    if (rows.some((r) => r.n === n && !r.verified))
      notes.push(`N=${n}: counts did NOT verify; do not trust it.`);
  }
  notes.push(
    'trellis and vishvananda time = first write to last ack inside one process (the VTEP exists); ' +
      'iproute2 time = wall clock of `ip -batch` + `bridge -batch`, process start included.',
  );
  return notes;
}
