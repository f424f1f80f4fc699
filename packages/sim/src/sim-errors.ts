import { TrellisError } from '@trellis/runtime';

/** A checker found the simulated system in a state it must never reach. The message carries `SEED=n`. */
export class InvariantViolation extends TrellisError {
  override readonly name = 'InvariantViolation';
  readonly code = 'ERR_TRELLIS_INVARIANT';
  /** The checker's name. */
  readonly invariant: string;
  readonly seed: number;
  readonly atMs: number;

  constructor(invariant: string, detail: string, seed: number, atMs: number) {
    super(`invariant "${invariant}" violated at t=${atMs}: ${detail} (SEED=${seed} replays this run)`);
    this.invariant = invariant;
    this.seed = seed;
    this.atMs = atMs;
  }
}

/** A run hit `eventsMax`: almost always an event storm (a timer rescheduling itself at `now`). */
export class EventsMaxError extends TrellisError {
  override readonly name = 'EventsMaxError';
  readonly code = 'ERR_TRELLIS_EVENTS_MAX';

  constructor(eventsMax: number, seed: number, atMs: number) {
    super(
      `simulation processed eventsMax (${eventsMax}) events in one call at t=${atMs}; ` +
        `look for a timer or message storm, or raise eventsMax (SEED=${seed} replays this run)`,
    );
  }
}
