/**
 * Local errors: the caller's mistake or an environment problem, thrown with a fixed `name` and a
 * stable `code` so callers can branch without parsing messages. Remote (peer) mistakes are never
 * thrown across a core's boundary: they are dropped, counted and reported as events.
 */
export abstract class TrellisError extends Error {
  abstract readonly code: string;
}

/** An argument that can never be valid (bad id, oversized metadata, unknown member...). */
export class InvalidArgumentError extends TrellisError {
  override readonly name = 'InvalidArgumentError';
  readonly code = 'ERR_TRELLIS_INVALID_ARGUMENT';
}

/** An operation that is valid in general but not in the current state (closed, not joined). */
export class InvalidStateError extends TrellisError {
  override readonly name = 'InvalidStateError';
  readonly code = 'ERR_TRELLIS_INVALID_STATE';
}

/** A local write over one of its bounds (value size, keys per table, payload size). */
export class LimitError extends TrellisError {
  override readonly name = 'LimitError';
  readonly code = 'ERR_TRELLIS_LIMIT';
  /** The bound that was hit, by its setting's name (e.g. `valueBytesMax`). */
  readonly limit: string;

  constructor(limit: string, message: string) {
    super(message);
    this.limit = limit;
  }
}

/** One problem found while validating a config: where it is and what is wrong. */
export interface ConfigProblem {
  /** Dotted path into the config, such as `swim.probeIntervalMs` or `overlays[1].name`. */
  readonly path: string;
  readonly message: string;
}

/** A config with one or more problems; all of them are listed, not just the first. */
export class ConfigError extends TrellisError {
  override readonly name = 'ConfigError';
  readonly code = 'ERR_TRELLIS_CONFIG';
  readonly problems: readonly ConfigProblem[];

  constructor(what: string, problems: readonly ConfigProblem[]) {
    super(`invalid ${what}:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
    this.problems = problems;
  }
}
