/**
 * Time in trellis is a plain number of milliseconds. Cores never read a clock: every input
 * carries `now`, and every deadline they report is an absolute `Instant`. The real driver
 * passes wall-clock milliseconds, the simulator passes virtual ones.
 */
export type Instant = number;

/** A span of time in milliseconds. */
export type DurationMs = number;

/** Units-last helpers so that configs read as `seconds(30)` rather than `30_000`. */
export const seconds = (n: number): DurationMs => n * 1000;
export const minutes = (n: number): DurationMs => n * 60_000;

/** The earlier of two optional deadlines; `undefined` means "no deadline". */
export function earliest(a: Instant | undefined, b: Instant | undefined): Instant | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return a < b ? a : b;
}
