import type { Address, Instant } from '@trellis/runtime';

const windowMs = 60_000;
const rememberedMax = 64;

/**
 * Rate limit for `memberConflict`: each distinct foreign address is reported at most once per
 * minute. Memory stays bounded however many addresses a peer makes up: past 64, the address
 * reported longest ago is forgotten (and may be reported again sooner).
 */
export class ConflictReports {
  /** Insertion order is report order: an address is re-inserted each time it is reported. */
  readonly #reportedAt = new Map<Address, Instant>();

  /** True if a conflict with `theirs` is to be reported now (and remembers that it was). */
  report(now: Instant, theirs: Address): boolean {
    const last = this.#reportedAt.get(theirs);
    if (last !== undefined && now - last < windowMs) return false;
    this.#reportedAt.delete(theirs);
    while (this.#reportedAt.size >= rememberedMax) {
      const oldest = this.#reportedAt.keys().next().value;
      if (oldest === undefined) break;
      this.#reportedAt.delete(oldest);
    }
    this.#reportedAt.set(theirs, now);
    return true;
  }

  get size(): number {
    return this.#reportedAt.size;
  }
}
