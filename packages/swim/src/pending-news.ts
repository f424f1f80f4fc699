/** One piece of news waiting to be piggybacked. */
export interface Pending {
  readonly key: string;
  readonly cls: string;
  readonly msg: object;
  readonly size: number;
  transmits: number;
  readonly seq: number;
}

/** Two lists ordered by seq (oldest first) as one (`a` itself when `b` goes after it). */
export function mergeBySeq(a: Pending[], b: readonly Pending[]): Pending[] {
  if (a.length === 0 || b.length === 0 || b[0]!.seq > a[a.length - 1]!.seq) {
    for (const item of b) a.push(item);
    return a;
  }
  const out: Pending[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) out.push(a[i]!.seq < b[j]!.seq ? a[i++]! : b[j++]!);
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
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
