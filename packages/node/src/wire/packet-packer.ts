import { arrayHeaderBytes, encodeMessage } from './msgpack-body.js';

/**
 * Encoded messages by message object. A piece of news is piggybacked a dozen times or more (the
 * retransmit limit), always the same object: encode it once. Messages handed to the wire are
 * never changed afterwards (records are frozen, the rest is built per send), which is what
 * makes the object a valid key.
 */
const encoded = new WeakMap<object, Uint8Array>();

function encodeOnce(message: unknown): Uint8Array {
  if (typeof message !== 'object' || message === null) return encodeMessage(message);
  let bytes = encoded.get(message);
  if (bytes === undefined) encoded.set(message, (bytes = encodeMessage(message)));
  return bytes;
}

export interface PackedMessages {
  /** Groups of encoded messages, each group fitting one packet. */
  readonly groups: Uint8Array[][];
  /** Messages that alone exceed the budget: the caller sends them over the stream instead. */
  readonly oversized: unknown[];
}

/**
 * Greedy compound packing in message order: fill the current packet until the next message
 * would push it over `budgetBytes` (envelope, encryption and array header included through
 * `overheadBytes`), then start a new one. Order is kept because the caller queues messages by
 * priority; a message never fitting is handed back rather than dropped or sent over budget.
 */
export function packMessages(
  messages: readonly unknown[],
  budgetBytes: number,
  overheadBytes: number,
  messagesPerPacketMax: number,
): PackedMessages {
  const groups: Uint8Array[][] = [];
  const oversized: unknown[] = [];
  let current: Uint8Array[] = [];
  let currentBytes = 0;
  for (const message of messages) {
    const bytes = encodeOnce(message);
    if (overheadBytes + arrayHeaderBytes(1) + bytes.length > budgetBytes) {
      oversized.push(message);
      continue;
    }
    const count = current.length + 1;
    const size = overheadBytes + arrayHeaderBytes(count) + currentBytes + bytes.length;
    if (current.length > 0 && (size > budgetBytes || count > messagesPerPacketMax)) {
      groups.push(current);
      current = [];
      currentBytes = 0;
    }
    current.push(bytes);
    currentBytes += bytes.length;
  }
  if (current.length > 0) groups.push(current);
  return { groups, oversized };
}
