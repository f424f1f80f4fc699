/**
 * Flags over positions 0..n-1 with O(log n) update, count and "the position of the p-th set
 * (or clear) flag": a Fenwick tree. It lets the live set draw the p-th confirmed member in
 * insertion order without a scan.
 */
export class RankedFlags {
  #tree = new Int32Array(16);
  #flags = new Uint8Array(16);
  #length = 0;
  #set = 0;

  get length(): number {
    return this.#length;
  }

  /** How many flags are set. */
  get setCount(): number {
    return this.#set;
  }

  get(i: number): boolean {
    return this.#flags[i] === 1;
  }

  push(flag: boolean): void {
    if (this.#length === this.#flags.length) this.#grow();
    this.#length++;
    if (flag) this.set(this.#length - 1, true);
  }

  /** Drops the last position. */
  pop(): void {
    this.set(this.#length - 1, false);
    this.#length--;
  }

  set(i: number, flag: boolean): void {
    const was = this.#flags[i] === 1;
    if (was === flag) return;
    this.#flags[i] = flag ? 1 : 0;
    this.#set += flag ? 1 : -1;
    const d = flag ? 1 : -1;
    for (let x = i + 1; x <= this.#tree.length; x += x & -x) this.#tree[x - 1]! += d;
  }

  /** The position of the `p`-th (from 0) flag equal to `flag`; p must be below that count. */
  nth(p: number, flag: boolean): number {
    let pos = 0;
    let left = p + 1;
    for (let step = highBit(this.#tree.length); step > 0; step >>= 1) {
      const next = pos + step;
      if (next > this.#tree.length) continue;
      const inNode = flag ? this.#tree[next - 1]! : step - this.#tree[next - 1]!;
      if (inNode < left) {
        pos = next;
        left -= inNode;
      }
    }
    return pos;
  }

  #grow(): void {
    const flags = new Uint8Array(this.#flags.length * 2);
    flags.set(this.#flags);
    this.#flags = flags;
    this.#tree = new Int32Array(flags.length);
    // Rebuild in O(n): each node adds itself to its parent.
    for (let i = 0; i < this.#length; i++) this.#tree[i]! += flags[i]!;
    for (let x = 1; x <= this.#tree.length; x++) {
      const parent = x + (x & -x);
      if (parent <= this.#tree.length) this.#tree[parent - 1]! += this.#tree[x - 1]!;
    }
  }
}

function highBit(n: number): number {
  let b = 1;
  while (b * 2 <= n) b *= 2;
  return b;
}
