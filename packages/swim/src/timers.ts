import type { Instant } from '@trellis/runtime';

/**
 * The core's timers as a table of named deadlines (quinn-proto style): nothing fires by itself;
 * the driver asks for the earliest deadline and calls handleTimeout when it has passed.
 */
export class Timers {
  readonly #at = new Map<string, Instant>();

  set(name: string, at: Instant): void {
    this.#at.set(name, at);
  }

  get(name: string): Instant | undefined {
    return this.#at.get(name);
  }

  clear(name: string): void {
    this.#at.delete(name);
  }

  earliest(): Instant | undefined {
    let min: Instant | undefined;
    for (const at of this.#at.values()) if (min === undefined || at < min) min = at;
    return min;
  }

  /** Names of the timers due at `now`, earliest first; they stay set until cleared or reset. */
  due(now: Instant): string[] {
    return [...this.#at.entries()]
      .filter(([, at]) => at <= now)
      .sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1))
      .map(([name]) => name);
  }
}
