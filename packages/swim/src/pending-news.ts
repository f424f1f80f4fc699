/** One piece of news waiting to be piggybacked. */
export interface Pending {
  readonly key: string;
  readonly cls: string;
  readonly msg: object;
  readonly size: number;
  transmits: number;
  readonly seq: number;
}

/**
 * Merges `b` into `a`, both ordered by seq (oldest first), in place, and returns `a`. Items
 * move up a bucket newest first, so `b` is mostly older than the tail of `a`: a merge into a
 * new array cost O(|a|) and an array of garbage per packet while a boot storm queues thousands
 * of items; merging from the back moves only the items of `a` newer than `b`'s oldest.
 */
export function mergeBySeq(a: Pending[], b: readonly Pending[]): Pending[] {
  let i = a.length - 1;
  for (const item of b) a.push(item);
  let k = a.length - 1;
  for (let j = b.length - 1; j >= 0;) {
    const next = b[j]!;
    if (i >= 0 && a[i]!.seq > next.seq) a[k--] = a[i--]!;
    else {
      a[k--] = next;
      j--;
    }
  }
  return a;
}

/** Where the item with `seq` is in a list ordered by seq, or -1. */
export function indexBySeq(list: readonly Pending[], seq: number): number {
  let lo = 0;
  let hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const m = list[mid]!.seq;
    if (m === seq) return mid;
    if (m < seq) lo = mid + 1;
    else hi = mid - 1;
  }
  return -1;
}
