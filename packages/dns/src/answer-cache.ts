import { LRUCache } from 'lru-cache';
import type { AnswerKind, ErrorReason } from './outcome.js';
import type { PreparedAnswer } from './answer-query.js';
import { finishAnswer } from './answer-query.js';

/** A UDP answer as encoded once, with what the server counts and charges for it. */
export interface CachedAnswer {
  /** So that a cached answer is itself an `Outcome` to count: no object made per reply. */
  readonly kind: 'reply';
  /** The encoded response; its first two bytes (the id) belong to the query that made it. */
  readonly response: Uint8Array;
  readonly result: AnswerKind | ErrorReason;
  readonly truncated: boolean;
  readonly rateClass: string;
}

/** Longer queries (odd EDNS options) are answered without the cache: they are rare and cost keys. */
const KEY_BYTES_MAX = 300;

/**
 * UDP answers by the bytes of the query after its id. An answer is a pure function of the zone
 * and of those bytes (flags, question as spelled, EDNS size: everything `prepareAnswer` reads but
 * the id), so a hit needs only the id patched in: no decoding, no lookup, no encoding. The owner
 * clears it whenever the zone is replaced; it is bounded, so random names cost at most the bound.
 */
export class AnswerCache {
  readonly #entries: LRUCache<string, CachedAnswer>;
  hits = 0;
  misses = 0;

  constructor(max: number) {
    // maxSize: storage grows with use instead of being preallocated for `max` entries.
    this.#entries = new LRUCache({ maxSize: max, sizeCalculation: () => 1 });
  }

  static keyOf(query: Uint8Array): string | undefined {
    if (query.length < 12 || query.length - 2 > KEY_BYTES_MAX) return undefined;
    return Buffer.from(query.buffer, query.byteOffset + 2, query.length - 2).toString('latin1');
  }

  get(key: string): CachedAnswer | undefined {
    const hit = this.#entries.get(key);
    if (hit === undefined) this.misses++;
    else this.hits++;
    return hit;
  }

  /** Encodes `prepared` in full and keeps it under `key` (a reply; drops are not answers). */
  add(key: string | undefined, prepared: PreparedAnswer & { kind: 'reply' }): CachedAnswer {
    const outcome = finishAnswer(prepared);
    if (outcome.kind !== 'reply') throw new Error('a prepared reply always encodes to a reply');
    const answer: CachedAnswer = {
      kind: 'reply',
      response: outcome.response,
      result: outcome.result,
      truncated: outcome.truncated,
      rateClass: prepared.rateClass,
    };
    if (key !== undefined) this.#entries.set(key, answer);
    return answer;
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

/** `answer`'s response under `query`'s id: a copy, since sends of one answer may overlap. */
export function withQueryId(answer: CachedAnswer, query: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(answer.response.length);
  out.set(answer.response);
  out[0] = query[0]!;
  out[1] = query[1]!;
  return out;
}
