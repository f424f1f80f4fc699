import { ConfigError, type ConfigProblem } from './errors.js';

/**
 * Collects every problem in a config before failing, so the user fixes them in one pass.
 * Used by every `parseXxxConfig` in trellis.
 */
export class ConfigProblems {
  readonly #problems: ConfigProblem[] = [];

  add(path: string, message: string): void {
    this.#problems.push({ path, message });
  }

  /** Checks `value` is an integer in [min, max]; records a problem and returns false if not. */
  integer(path: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): boolean {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.add(path, `must be an integer, got ${describe(value)}`);
      return false;
    }
    if (value < min || value > max) {
      this.add(path, `must be between ${min} and ${max}, got ${value}`);
      return false;
    }
    return true;
  }

  /** Checks `value` is a finite number in [min, max]. */
  number(path: string, value: unknown, min: number, max = Number.MAX_VALUE): boolean {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      this.add(path, `must be a finite number, got ${describe(value)}`);
      return false;
    }
    if (value < min || value > max) {
      this.add(path, `must be between ${min} and ${max}, got ${value}`);
      return false;
    }
    return true;
  }

  boolean(path: string, value: unknown): boolean {
    if (typeof value !== 'boolean') {
      this.add(path, `must be true or false, got ${describe(value)}`);
      return false;
    }
    return true;
  }

  get count(): number {
    return this.#problems.length;
  }

  get list(): readonly ConfigProblem[] {
    return this.#problems;
  }

  /** Throws a `ConfigError` naming `what` if any problem was recorded. */
  throwIfAny(what: string): void {
    if (this.#problems.length > 0) throw new ConfigError(what, this.#problems.slice());
  }
}

export function describe(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}
