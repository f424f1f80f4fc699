import type { Instant } from '@trellis/runtime';

/** The core's one-of-a-kind timers. */
export type NamedTimer =
  | 'probe'
  | 'probeTimeout'
  | 'gossip'
  | 'pushPull'
  | 'join'
  | 'reconnect'
  | 'leave'
  | 'sweep'
  /** The next slice of a large merge (`MergeSlices`). */
  | 'merge';

/**
 * A timer as data: one of the named timers, or one of a family keyed by what it is about, so
 * the core dispatches on the key's fields instead of parsing a string name back.
 */
export type TimerKey =
  | NamedTimer
  /** A suspicion of member `id` runs out. */
  | { readonly kind: 'suspect'; readonly id: string }
  /** A ping-req we relay with sequence `seq` gets no ack in time: nack the requester. */
  | { readonly kind: 'relay'; readonly seq: number };

export const suspectTimer = (id: string): TimerKey => ({ kind: 'suspect', id });
export const relayTimer = (seq: number): TimerKey => ({ kind: 'relay', seq });

/** The identity of a key in the table; it orders same-instant timers and is never parsed. */
function slotOf(key: TimerKey): string {
  if (typeof key === 'string') return key;
  return key.kind === 'suspect' ? `suspect:${key.id}` : `relay:${key.seq}`;
}

/**
 * The core's timers as a table of deadlines (quinn-proto style): nothing fires by itself;
 * the driver asks for the earliest deadline and calls handleTimeout when it has passed.
 */
export class Timers {
  readonly #slots = new Map<string, { readonly key: TimerKey; readonly at: Instant }>();

  set(key: TimerKey, at: Instant): void {
    this.#slots.set(slotOf(key), { key, at });
  }

  get(key: TimerKey): Instant | undefined {
    return this.#slots.get(slotOf(key))?.at;
  }

  clear(key: TimerKey): void {
    this.#slots.delete(slotOf(key));
  }

  earliest(): Instant | undefined {
    let min: Instant | undefined;
    for (const { at } of this.#slots.values()) if (min === undefined || at < min) min = at;
    return min;
  }

  /** Keys of the timers due at `now`, earliest first; they stay set until cleared or reset. */
  due(now: Instant): TimerKey[] {
    return [...this.#slots.entries()]
      .filter(([, s]) => s.at <= now)
      .sort(([a, x], [b, y]) => x.at - y.at || (a < b ? -1 : 1))
      .map(([, s]) => s.key);
  }
}
