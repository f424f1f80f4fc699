import type { Address, Instant } from '@trellis/runtime';
import type { AntiEntropySection } from './anti-entropy-section.js';
import type { Vouch } from './confirmations.js';
import type { SwimContext } from './context.js';

/**
 * Records merged per input: about 15–30 ms of work on this machine (a member record with its
 * signature check costs 15–30 µs), so that no full state, however large, holds the event loop
 * for long; the rest waits for a timer due at once, and the driver's other I/O runs between.
 */
export const mergeSliceRecords = 1_000;

interface Step {
  readonly section: AntiEntropySection;
  readonly from: Address;
  readonly records: readonly unknown[];
  /** Who vouches for the member records of this step (a peer we dialed), if anyone. */
  readonly vouch: Vouch | undefined;
  offset: number;
}

/**
 * Large merges in slices, in arrival order: a join reply of 5,000 members and their routes is
 * merged over several timer turns instead of in one go. Merges are lattice joins, so gossip that
 * arrives between two slices is no harm; what is kept is the order of sections within a merge
 * (members first: they admit the signers of the records after them).
 */
export class MergeSlices {
  readonly #ctx: SwimContext;
  readonly #steps: Step[] = [];

  constructor(ctx: SwimContext) {
    this.#ctx = ctx;
  }

  /** Queues `records` for `section`; `drain` merges them. */
  add(section: AntiEntropySection, from: Address, records: readonly unknown[], vouch?: Vouch): void {
    if (records.length === 0) return;
    this.#steps.push({ section, from, records, vouch, offset: 0 });
  }

  /** Merges up to one slice of what is queued; the rest is due again at once. */
  drain(now: Instant): void {
    let budget = mergeSliceRecords;
    while (budget > 0 && this.#steps.length > 0) {
      const step = this.#steps[0]!;
      const end = Math.min(step.records.length, step.offset + budget);
      const part =
        step.offset === 0 && end === step.records.length
          ? step.records
          : step.records.slice(step.offset, end);
      budget -= end - step.offset;
      step.offset = end;
      if (end === step.records.length) this.#steps.shift();
      const merge = () => step.section.merge(now, step.from, part);
      if (step.vouch === undefined) merge();
      else this.#ctx.confirmations.vouching(step.from, step.vouch, merge);
    }
    if (this.#steps.length > 0) this.#ctx.timers.set('merge', now);
    else this.#ctx.timers.clear('merge');
  }

  /** Records still waiting for a slice (for stats and tests). */
  get pending(): number {
    return this.#steps.reduce((n, s) => n + s.records.length - s.offset, 0);
  }
}
