import type { RegisterTableHooks } from '@trellis/membership';

/** Records per owner in one table, kept as records are stored and removed (tombstones count). */
export class OwnerRecordCounts {
  readonly #counts = new Map<string, number>();

  of(owner: string): number {
    return this.#counts.get(owner) ?? 0;
  }

  added(owner: string): void {
    this.#counts.set(owner, this.of(owner) + 1);
  }

  removed(owner: string): void {
    const n = this.of(owner) - 1;
    if (n > 0) this.#counts.set(owner, n);
    else this.#counts.delete(owner);
  }

  /** Table hooks that keep the counts, then call `index`'s (a kind's own index). */
  tracking<R extends { readonly w: string }>(
    index: Pick<RegisterTableHooks<R>, 'stored' | 'removed'> | undefined,
  ): Pick<RegisterTableHooks<R>, 'stored' | 'removed'> {
    return {
      stored: (r, previous) => {
        if (previous === undefined) this.added(r.w);
        index?.stored?.(r, previous);
      },
      removed: (r) => {
        this.removed(r.w);
        index?.removed?.(r);
      },
    };
  }
}
