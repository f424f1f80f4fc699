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
}
