import type { TraceKind } from '../trace.js';
import type { Invariant } from './invariant.js';

const deliveries: ReadonlySet<TraceKind> = new Set([
  'datagramDelivered',
  'requestDelivered',
  'replyDelivered',
]);

/** Nothing is delivered from a to b while a partition blocks a -> b (holds and in-flight messages included). */
export function noDeliveryAcrossPartition(): Invariant {
  return {
    name: 'no delivery across an active partition',
    observe(entry, context) {
      if (!deliveries.has(entry.kind) || !context.isBlocked(entry.from, entry.to)) return undefined;
      return `${entry.kind} from ${entry.from} to ${entry.to} while partitioned`;
    },
  };
}
