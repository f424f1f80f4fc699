/**
 * The figures the peers run compares, how each is read from a result line (trellis's and the
 * memberlist harness's lines have the same fields), and the target for each. The
 * reference is memberlist measured in the same run, never a number typed in.
 */
import type { ResultLine } from './results.js';

export type Metric =
  | 'join.converge'
  | 'join.bytesPerNode'
  | 'steady.bytes'
  | 'steady.packets'
  | 'broadcast.max'
  | 'broadcast.missed'
  | 'broadcast.bytesPerReceiver'
  | 'fail.suspected'
  | 'fail.first'
  | 'fail.median'
  | 'fail.max'
  | 'churn.falseDeaths'
  | 'churn.suspicions';

export interface MetricSpec {
  readonly scenario: string;
  readonly unit: string;
  /** `ratio`: ours / memberlist's must be at most `max`; `zero`: ours must be 0 in every run. */
  readonly target?: { readonly kind: 'ratio'; readonly max: number } | { readonly kind: 'zero' };
  /** Which implementations are set against memberlist for this metric. */
  readonly impls: (impl: string) => boolean;
  readonly value: (l: ResultLine) => number | undefined;
}

type Obj = Record<string, unknown> | undefined;
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const ms = (l: ResultLine, k: string) => num((l.ms as Obj)?.[k]);
/** Times of a scenario that missed some node are no time: that run failed. */
const whenAllHeard = (l: ResultLine, k: string) => (l.missed === 0 ? ms(l, k) : undefined);

const trellis = (impl: string) => impl === 'trellis';
const joining = (impl: string) => impl === 'trellis' || impl === 'trellis+identity';
/** `trellis+mult<k>`: trellis at other suspicion multipliers (4: memberlist's), when the run has them. */
const failing = (impl: string) => impl === 'trellis' || impl.startsWith('trellis+mult');

/** Issue 16: join in half memberlist's time (issue 12: with identity on too), detection in half. */
export const metrics: Readonly<Record<Metric, MetricSpec>> = {
  'join.converge': {
    scenario: 'join',
    unit: 'ms',
    target: { kind: 'ratio', max: 0.5 },
    impls: joining,
    value: (l) => ms(l, 'converge'),
  },
  'join.bytesPerNode': {
    scenario: 'join',
    unit: 'B',
    impls: joining,
    value: (l) => num(l.bytesPerNode),
  },
  'steady.bytes': {
    scenario: 'steady',
    unit: 'B/node/s',
    target: { kind: 'ratio', max: 1 },
    impls: trellis,
    value: (l) => num((l.bytes as Obj)?.perNodePerSec),
  },
  'steady.packets': {
    scenario: 'steady',
    unit: 'pkt/node/s',
    impls: trellis,
    value: (l) => num((l.packets as Obj)?.perNodePerSec),
  },
  'broadcast.max': {
    scenario: 'broadcast',
    unit: 'ms',
    target: { kind: 'ratio', max: 1 },
    impls: trellis,
    value: (l) => whenAllHeard(l, 'max'),
  },
  'broadcast.missed': {
    scenario: 'broadcast',
    unit: 'nodes',
    target: { kind: 'zero' },
    impls: trellis,
    value: (l) => num(l.missed),
  },
  'broadcast.bytesPerReceiver': {
    scenario: 'broadcast',
    unit: 'B',
    impls: trellis,
    value: (l) => num((l.bytes as Obj)?.perReceiver),
  },
  // When the victim's first prober suspected it (probe, probe timeout, indirect probes): where
  // detection time goes before the suspicion timeout.
  'fail.suspected': {
    scenario: 'fail',
    unit: 'ms',
    impls: failing,
    value: (l) => num(((l.suspected as Obj)?.ms as Obj)?.first),
  },
  'fail.first': { scenario: 'fail', unit: 'ms', impls: failing, value: (l) => whenAllHeard(l, 'first') },
  'fail.median': { scenario: 'fail', unit: 'ms', impls: failing, value: (l) => whenAllHeard(l, 'median') },
  'fail.max': {
    scenario: 'fail',
    unit: 'ms',
    target: { kind: 'ratio', max: 0.5 },
    impls: failing,
    value: (l) => whenAllHeard(l, 'max'),
  },
  'churn.falseDeaths': {
    scenario: 'churn-fp',
    unit: 'nodes',
    target: { kind: 'zero' },
    impls: failing,
    value: (l) => num((l.falseDeaths as Obj)?.load),
  },
  'churn.suspicions': {
    scenario: 'churn-fp',
    unit: 'under load',
    impls: failing,
    value: (l) => num((l.suspicions as Obj)?.load),
  },
};

export const describeTarget = (m: MetricSpec): string =>
  m.target === undefined ? 'report' : m.target.kind === 'zero' ? '0' : `<= ${m.target.max}x`;
