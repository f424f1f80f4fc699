/** What changed in a converged view: `changed` pairs are `[previous, next]`. */
export interface ViewDiff<E> {
  readonly added: readonly E[];
  readonly removed: readonly E[];
  readonly changed: readonly (readonly [E, E])[];
}

/**
 * The converged view of a store (or one part of it, such as one overlay's routes): entries by
 * key, replaced whole on every recompute, with the difference to the previous one. Entries are
 * compared with `same`; by default by identity, which is exact when entries are cached per
 * record (records are immutable).
 */
export class ConvergedView<E> {
  #entries = new Map<string, E>();
  readonly #same: (a: E, b: E) => boolean;

  constructor(same: (a: E, b: E) => boolean = (a, b) => a === b) {
    this.#same = same;
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): E | undefined {
    return this.#entries.get(key);
  }

  values(): IterableIterator<E> {
    return this.#entries.values();
  }

  /**
   * Sets (or, with `undefined`, removes) the entries of the given keys, leaving the others as
   * they are: the incremental form of `replace`, for views too large to rebuild on every change.
   */
  patch(changes: Iterable<readonly [key: string, next: E | undefined]>): ViewDiff<E> | undefined {
    const added: E[] = [];
    const removed: E[] = [];
    const changed: (readonly [E, E])[] = [];
    for (const [key, n] of changes) {
      const p = this.#entries.get(key);
      if (n === undefined) {
        if (p === undefined) continue;
        this.#entries.delete(key);
        removed.push(p);
      } else if (p === undefined) {
        this.#entries.set(key, n);
        added.push(n);
      } else if (!this.#same(p, n)) {
        this.#entries.set(key, n);
        changed.push([p, n] as const);
      } else this.#entries.set(key, n);
    }
    return added.length + removed.length + changed.length === 0 ? undefined : { added, removed, changed };
  }

  /** Installs `next`; the difference, or undefined when nothing changed. */
  replace(next: Map<string, E>): ViewDiff<E> | undefined {
    const prev = this.#entries;
    this.#entries = next;
    const added: E[] = [];
    const removed: E[] = [];
    const changed: (readonly [E, E])[] = [];
    for (const [key, n] of next) {
      const p = prev.get(key);
      if (p === undefined) added.push(n);
      else if (!this.#same(p, n)) changed.push([p, n] as const);
    }
    for (const [key, p] of prev) if (!next.has(key)) removed.push(p);
    return added.length + removed.length + changed.length === 0 ? undefined : { added, removed, changed };
  }
}
