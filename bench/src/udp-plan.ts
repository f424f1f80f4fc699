/** What the real-UDP suite runs: sizes, profiles, repetitions, and the phase lengths and deadlines. */
export type Profile = 'lan' | 'local';

export interface Plan {
  readonly quick: boolean;
  readonly sizes: readonly number[];
  readonly profiles: readonly Profile[];
  readonly reps: number;
  /** Run churn-fp after each profile's clusters. */
  readonly churn: boolean;
  readonly steadyMs: number;
  readonly churnN: number;
  /** Idle phase and loaded phase each; then `churnAfterMs` to see what the load's suspicions became. */
  readonly churnPhaseMs: number;
  readonly churnAfterMs: number;
  readonly joinDeadlineMs: number;
  readonly drainDeadlineMs: number;
  readonly failDeadlineMs: number;
  /** A record not held within this is `missed`: 10x memberlist's slowest last receiver and more. */
  readonly broadcastDeadlineMs: number;
  readonly settledDeadlineMs: number;
}

export function planFor(quick: boolean): Plan {
  const common = { churnN: 64, churn: true, broadcastDeadlineMs: 15_000 };
  return quick
    ? {
        ...common,
        quick,
        sizes: [16, 64],
        profiles: ['lan'],
        reps: 1,
        steadyMs: 10_000,
        churnPhaseMs: 5000,
        churnAfterMs: 3000,
        joinDeadlineMs: 30_000,
        drainDeadlineMs: 5000,
        failDeadlineMs: 30_000,
        settledDeadlineMs: 15_000,
      }
    : {
        ...common,
        quick,
        sizes: [16, 64, 128],
        profiles: ['lan', 'local'],
        reps: 3,
        steadyMs: 30_000,
        churnPhaseMs: 15_000,
        churnAfterMs: 10_000,
        joinDeadlineMs: 120_000,
        drainDeadlineMs: 20_000,
        failDeadlineMs: 60_000,
        settledDeadlineMs: 30_000,
      };
}
