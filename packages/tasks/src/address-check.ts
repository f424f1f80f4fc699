import type { TaskWire } from './task-record.js';

/**
 * Does `owner`, on the overlay `network`, hold the addresses `ipv4` and `ipv6` ('' for none)?
 * The task store does not know routes; whoever composes it with a route store answers, e.g.
 * "the owner holds a settled slice there and both addresses lie in it".
 *
 * A remote task failing it is kept (and replicated) but left out of the view, not refused:
 * its agent's route record may simply not have reached us yet (they travel separately), and a
 * refused record comes back only with a later anti-entropy round. Call `recheck()` when the
 * answer may have changed (the route tables changed).
 */
export type AddressCheck = (owner: string, network: string, ipv4: string, ipv6: string) => boolean;

/** Does every network of `r` pass `check` (every task does without one)? */
export function addressesHold(check: AddressCheck | undefined, r: TaskWire): boolean {
  return check === undefined || r.nw.every(([network, v4, v6]) => check(r.w, network, v4, v6));
}
