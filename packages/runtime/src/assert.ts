/**
 * Invariant assertions. A failed assertion is a bug in trellis, never a reaction to peer input
 * or caller misuse, so nothing catches `AssertionError`.
 */
export class AssertionError extends Error {
  override readonly name = 'AssertionError';
  readonly code = 'ERR_TRELLIS_ASSERTION';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}

/** Exhaustiveness check for `switch` over a tagged union. */
export function unreachable(value: never, what = 'value'): never {
  throw new AssertionError(`unexpected ${what}: ${JSON.stringify(value)}`);
}
