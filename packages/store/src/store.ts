import type { Address, Instant } from '@trellis/runtime';
import type { DigestView, MemberStatus } from '@trellis/membership';

/**
 * What the node tells every store about the cluster, with the `now` of the input that caused
 * it. Stores never see the failure detector itself: these signals and the `Liveness` view in
 * their context are the whole interface.
 */
export type NodeSignal =
  /** A join through seeds started: the cluster's state is on its way. */
  | { readonly type: 'joining' }
  /** The join completed (or the node bootstrapped a cluster of one). */
  | { readonly type: 'joined' }
  /** One round of join attempts failed; more follow unless `joinFailed` comes. */
  | { readonly type: 'joinAttemptFailed'; readonly attempt: number }
  /** The join gave up after its last attempt. */
  | { readonly type: 'joinFailed' }
  /** A member changed status (joined, suspected, died, left, came back). */
  | { readonly type: 'memberChanged'; readonly id: string; readonly status: MemberStatus };

/**
 * One replicated table plugged into the gossip node (memberlist's Delegate, as a sans-IO core).
 * The node routes every gossip message whose `t` is the store's `tag` to `handleRecord`, runs
 * the store's anti-entropy section in every push-pull, gives its news a broadcast class of its
 * own with `broadcastShare` of every packet, drives its timers and drains its events. The node
 * holds no policy of any store: everything a store decides, it decides here.
 */
export interface Store<E = unknown> {
  /** Unique per node: the anti-entropy section and the broadcast class are named after it. */
  readonly name: string;
  /** Unique per node: the `t` of the store's gossip messages. */
  readonly tag: string;
  /** Relative share of each packet's gossip budget when other classes have news waiting. */
  readonly broadcastShare: number;
  /** Stream request types the store answers with `handleRequest` (its own namespace). */
  readonly requestTags?: readonly string[];

  /** The digest push-pull compares (see `DigestView`). */
  digest(): DigestView;
  /** Wire-form records for these keys; keys the store does not hold are skipped. */
  records(keys: readonly string[]): unknown[];
  /** Every record, for the full exchange on join. */
  allRecords(): unknown[];

  /** A record from a peer's gossip. Validates; never throws. */
  handleRecord(now: Instant, from: Address, raw: unknown): void;
  /**
   * A batch of records from an anti-entropy exchange (a join or a push-pull). Optional: the node
   * hands them to `handleRecord` one by one otherwise.
   */
  handleRecords?(now: Instant, from: Address, records: readonly unknown[]): void;
  handleSignal(now: Instant, signal: NodeSignal): void;
  /** A stream request of one of `requestTags`; the reply object. Never throws. */
  handleRequest?(now: Instant, from: Address, msg: Readonly<Record<string, unknown>>): object;
  handleTimeout(now: Instant): void;
  pollTimeout(): Instant | undefined;
  pollEvent(): E | undefined;
  /** The node leaves the cluster: withdraw what this node publishes. */
  leave(now: Instant): void;
}
