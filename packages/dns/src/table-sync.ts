import type { TaskEntry } from '@trellis/tasks';

/**
 * How a worker's copy of the task table changes: the tasks added or changed, the ids gone, and
 * the whole order only when the replica could not rebuild it (answers list addresses in table
 * order, so every reader must hold the table in the owner's order to answer byte for byte alike).
 * `full` replaces everything: the first table, and any table with a repeated id.
 */
export type TableChange =
  | {
      readonly kind: 'delta';
      readonly upserts: readonly TaskEntry[];
      readonly removals: readonly string[];
      readonly order?: readonly string[];
    }
  | { readonly kind: 'full'; readonly entries: readonly TaskEntry[] };

/** The owner's side: remembers the table last sent and says what changed since. */
export class TableDiffer {
  #byId = new Map<string, { readonly entry: TaskEntry; readonly json: string }>();
  #ids: string[] = [];
  #entries: readonly TaskEntry[] = [];

  /** The table as last given, for a worker that starts (or restarts) later. */
  get entries(): readonly TaskEntry[] {
    return this.#entries;
  }

  change(entries: readonly TaskEntry[]): TableChange {
    const byId = new Map<string, { readonly entry: TaskEntry; readonly json: string }>();
    const upserts: TaskEntry[] = [];
    const added: string[] = [];
    for (const entry of entries) {
      if (byId.has(entry.id)) return this.#full(entries);
      const old = this.#byId.get(entry.id);
      // The store hands the same objects for unchanged tasks: skip the encoding then.
      const json = old?.entry === entry ? old.json : JSON.stringify(entry);
      byId.set(entry.id, { entry, json });
      if (old === undefined) added.push(entry.id);
      if (old?.json !== json) upserts.push(entry);
    }
    const removals = this.#ids.filter((id) => !byId.has(id));
    const ids = entries.map((e) => e.id);
    const gone = new Set(removals);
    const rebuilt = [...this.#ids.filter((id) => !gone.has(id)), ...added];
    const sameOrder = rebuilt.every((id, i) => id === ids[i]);
    this.#byId = byId;
    this.#ids = ids;
    this.#entries = entries;
    return { kind: 'delta', upserts, removals, ...(sameOrder ? {} : { order: ids }) };
  }

  #full(entries: readonly TaskEntry[]): TableChange {
    this.#byId = new Map();
    this.#ids = [];
    this.#entries = entries;
    return { kind: 'full', entries };
  }
}

/** The worker's side: applies changes in the order they were made and lists the table. */
export class TableReplica {
  #byId = new Map<string, TaskEntry>();
  /** Set by a `full` table with repeated ids, which no map can hold. */
  #verbatim: readonly TaskEntry[] | undefined;

  apply(change: TableChange): readonly TaskEntry[] {
    if (change.kind === 'full') {
      this.#byId = new Map(change.entries.map((e) => [e.id, e]));
      this.#verbatim = this.#byId.size === change.entries.length ? undefined : change.entries;
      return change.entries;
    }
    // After a table with repeated ids the owner forgot it and sends every task anew.
    if (this.#verbatim !== undefined) this.#byId = new Map();
    for (const id of change.removals) this.#byId.delete(id);
    // A changed task keeps its place in the map; a new one goes last, as the differ assumes.
    for (const entry of change.upserts) this.#byId.set(entry.id, entry);
    this.#verbatim = undefined;
    if (change.order !== undefined)
      this.#byId = new Map(change.order.map((id) => [id, this.#byId.get(id)!] as const));
    return [...this.#byId.values()];
  }
}
