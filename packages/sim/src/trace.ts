import type { Address, Instant } from '@trellis/runtime';

/** Everything the simulator records; invariant checkers observe the same stream. */
export const traceKinds = [
  'hostStarted',
  'hostCrashed',
  'timerFired',
  'datagramDelivered',
  'datagramDropped',
  'datagramDuplicated',
  'messageHeld',
  'messageReleased',
  'requestSent',
  'requestDelivered',
  'replyDelivered',
  'requestTimedOut',
  'requestRefused',
  'requestUnreachable',
  'requestClosed',
  'requestOversized',
  /** The requester crashed: nobody is left to call. */
  'requestAbandoned',
] as const;
export type TraceKind = (typeof traceKinds)[number];

const kindIndex = new Map<TraceKind, number>(traceKinds.map((k, i) => [k, i]));

/** One processed event. `ref` is the request id for request events, else 0. */
export interface TraceEntry {
  readonly atMs: Instant;
  readonly kind: TraceKind;
  readonly from: Address;
  readonly to: Address;
  readonly bytes: number;
  readonly ref: number;
}

/**
 * A bounded ring of trace records in typed arrays (no allocation per event) plus a running
 * 64-bit hash of every record ever written, so two runs compare cheaply and exactly even after
 * the ring has wrapped.
 */
export class Trace {
  readonly #max: number;
  readonly #at: Float64Array;
  readonly #kind: Uint8Array;
  readonly #from: Int32Array;
  readonly #to: Int32Array;
  readonly #bytes: Int32Array;
  readonly #ref: Float64Array;
  readonly #names: (index: number) => Address;
  readonly #f64 = new Float64Array(1);
  readonly #u32 = new Uint32Array(this.#f64.buffer);
  #count = 0;
  #h1 = 0x9e3779b9;
  #h2 = 0x85ebca6b;

  /** `names` maps a host index to its address (-1: an address that is no host). */
  constructor(max: number, names: (index: number) => Address) {
    this.#max = max;
    this.#at = new Float64Array(max);
    this.#kind = new Uint8Array(max);
    this.#from = new Int32Array(max);
    this.#to = new Int32Array(max);
    this.#bytes = new Int32Array(max);
    this.#ref = new Float64Array(max);
    this.#names = names;
  }

  /** Records written since the start, including those the ring has dropped. */
  get count(): number {
    return this.#count;
  }

  /** The running hash as 16 hex digits. */
  get hash(): string {
    return (this.#h1 >>> 0).toString(16).padStart(8, '0') + (this.#h2 >>> 0).toString(16).padStart(8, '0');
  }

  record(at: Instant, kind: TraceKind, from: number, to: number, bytes: number, ref: number): void {
    const k = kindIndex.get(kind)!;
    if (this.#max > 0) {
      const i = this.#count % this.#max;
      this.#at[i] = at;
      this.#kind[i] = k;
      this.#from[i] = from;
      this.#to[i] = to;
      this.#bytes[i] = bytes;
      this.#ref[i] = ref;
    }
    this.#count++;
    this.#f64[0] = at;
    this.#mix(this.#u32[0]!);
    this.#mix(this.#u32[1]!);
    this.#mix(k);
    this.#mix(from);
    this.#mix(to);
    this.#mix(bytes);
    this.#mix(ref >>> 0);
  }

  /** The kept records, oldest first. */
  entries(): TraceEntry[] {
    const n = Math.min(this.#count, this.#max);
    const out: TraceEntry[] = [];
    for (let j = 0; j < n; j++) {
      const i = (this.#count - n + j) % this.#max;
      out.push({
        atMs: this.#at[i]!,
        kind: traceKinds[this.#kind[i]!]!,
        from: this.#names(this.#from[i]!),
        to: this.#names(this.#to[i]!),
        bytes: this.#bytes[i]!,
        ref: this.#ref[i]!,
      });
    }
    return out;
  }

  /** Two independent murmur3-style lanes: 64 bits make accidental equality negligible. */
  #mix(word: number): void {
    let k = Math.imul(word, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    let h = this.#h1 ^ k;
    h = (h << 13) | (h >>> 19);
    this.#h1 = (Math.imul(h, 5) + 0xe6546b64) | 0;
    let g = this.#h2 ^ Math.imul(word ^ 0x5bd1e995, 0x27d4eb2d);
    g = (g << 17) | (g >>> 15);
    this.#h2 = (Math.imul(g, 9) + this.#h1) | 0;
  }
}
