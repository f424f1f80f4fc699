import type { SwimEvent, SwimStats } from '@trellis/swim';
import type { NodeEvent } from './core/node-core.js';
import type { DriverStats } from './driver.js';

export type MemberEvent = Extract<
  SwimEvent,
  { type: 'memberJoined' | 'memberUpdated' | 'memberSuspected' | 'memberDied' | 'memberLeft' }
>;

/** A user message as the application receives it (`node.on('message', ...)`). */
export interface UserMessage {
  readonly topic: string;
  readonly payload: unknown;
  /** The sender's node id, as it says (messages are not signed). */
  readonly from: string;
  /** True for `send` (to this node, acknowledged), false for `broadcast` (to everyone). */
  readonly direct: boolean;
}

/** Events of a `GossipNode` (eventemitter3). */
export interface GossipNodeEvents {
  /** Any change of a member: joined, updated, suspected, died, left. */
  member: [event: MemberEvent];
  /** The join completed; `seed` is undefined when the node bootstrapped a cluster of one. */
  joined: [event: Extract<SwimEvent, { type: 'joined' }>];
  joinAttemptFailed: [event: Extract<SwimEvent, { type: 'joinAttemptFailed' }>];
  /** The join gave up after its last attempt (`swim.joinAttemptsMax`); each seed's last error. */
  joinFailed: [event: Extract<SwimEvent, { type: 'joinFailed' }>];
  selfRefuted: [event: Extract<SwimEvent, { type: 'selfRefuted' }>];
  /** Another node says it is us, from another address (memberlist's NotifyConflict). */
  memberConflict: [event: Extract<SwimEvent, { type: 'memberConflict' }>];
  /** A push-pull exchange we started completed: we hold everything the peer had. */
  synced: [event: Extract<SwimEvent, { type: 'syncCompleted' }>];
  /** A user message from `broadcast` or `send` reached us (each broadcast at most once). */
  message: [message: UserMessage];
  /** Peer input that was dropped (also counted in `stats().rejected`). */
  rejected: [event: Extract<SwimEvent, { type: 'messageRejected' }>];
  /** Every core event, for tools that want all of them (store events as `{ store, event }`). */
  event: [event: NodeEvent];
}

export interface NodeStats extends DriverStats {
  readonly swim: SwimStats;
  /** Drops by reason, wire-level and protocol-level together. */
  readonly rejected: Readonly<Record<string, number>>;
  readonly awareness: number;
  readonly members: {
    readonly alive: number;
    readonly suspect: number;
    readonly dead: number;
    readonly left: number;
  };
  readonly broadcastQueue: number;
}
