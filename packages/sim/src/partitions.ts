import type { Address } from '@trellis/runtime';

/** Traffic from any address in `from` to any in `to` is blocked. */
interface Cut {
  readonly from: ReadonlySet<Address>;
  readonly to: ReadonlySet<Address>;
}

/**
 * Active partitions as a list of directed cuts (group x group) rather than a pair table: a
 * 2,500 / 2,500 split is two small sets, not 6 million pairs. Repair subtracts rectangles, so
 * healing part of a partition leaves exactly the rest in place.
 */
export class Partitions {
  #cuts: Cut[] = [];

  get active(): boolean {
    return this.#cuts.length > 0;
  }

  /** Blocks a -> b, and b -> a unless `oneWay`. */
  add(a: readonly Address[], b: readonly Address[], oneWay: boolean): void {
    this.#cuts.push({ from: new Set(a), to: new Set(b) });
    if (!oneWay) this.#cuts.push({ from: new Set(b), to: new Set(a) });
  }

  /**
   * No groups: heal everything. One group: heal all traffic to and from it. Two groups: heal
   * a -> b and b -> a only.
   */
  repair(a?: readonly Address[], b?: readonly Address[]): void {
    if (a === undefined) {
      this.#cuts = [];
      return;
    }
    const sa = new Set(a);
    if (b === undefined) {
      this.#cuts = this.#cuts.map((c) => ({ from: minus(c.from, sa), to: minus(c.to, sa) })).filter(nonEmpty);
      return;
    }
    const sb = new Set(b);
    this.#cuts = this.#cuts.flatMap((c) => subtract(c, sa, sb)).flatMap((c) => subtract(c, sb, sa));
  }

  blocked(from: Address, to: Address): boolean {
    for (const c of this.#cuts) if (c.from.has(from) && c.to.has(to)) return true;
    return false;
  }
}

/** from x to minus x x y = (from \ x) x to  +  (from & x) x (to \ y). */
function subtract(c: Cut, x: ReadonlySet<Address>, y: ReadonlySet<Address>): Cut[] {
  const outside = { from: minus(c.from, x), to: c.to };
  const inside = { from: intersect(c.from, x), to: minus(c.to, y) };
  return [outside, inside].filter(nonEmpty);
}

function minus(s: ReadonlySet<Address>, t: ReadonlySet<Address>): Set<Address> {
  const out = new Set<Address>();
  for (const v of s) if (!t.has(v)) out.add(v);
  return out;
}

function intersect(s: ReadonlySet<Address>, t: ReadonlySet<Address>): Set<Address> {
  const out = new Set<Address>();
  for (const v of s) if (t.has(v)) out.add(v);
  return out;
}

function nonEmpty(c: Cut): boolean {
  return c.from.size > 0 && c.to.size > 0;
}
