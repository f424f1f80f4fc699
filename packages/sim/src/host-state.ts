import type { Address, TransportReceiver } from '@trellis/runtime';
import type { PendingRequest } from './pending-request.js';
import type { SimHost } from './sim-host.js';

/**
 * One simulated address for the whole run. It outlives crashes: `current` is the running
 * incarnation, or undefined while the host is down.
 */
export class HostSlot {
  readonly index: number;
  readonly address: Address;
  readonly onStart: ((host: SimHost) => void) | undefined;
  current: HostState | undefined = undefined;
  /** The public face of `current`. */
  host: SimHost | undefined = undefined;
  /** While held, messages to and from this host wait in the hold queue. */
  held = false;
  /** Incarnations started so far; names each incarnation's Rng stream. */
  starts = 0;

  constructor(index: number, address: Address, onStart: ((host: SimHost) => void) | undefined) {
    this.index = index;
    this.address = address;
    this.onStart = onStart;
  }
}

/** The simulator's side of one incarnation (the public face is `SimHost`). */
export class HostState {
  readonly slot: HostSlot;
  closed = false;
  /** A crashed incarnation's callbacks never run again (a dead process hears nothing). */
  crashed = false;
  receiver: TransportReceiver | undefined = undefined;
  /** Requests this incarnation sent and is waiting on. */
  readonly outbound = new Set<PendingRequest>();
  /** Requests delivered to this incarnation and not yet replied to. */
  readonly inbound = new Set<PendingRequest>();

  constructor(slot: HostSlot) {
    this.slot = slot;
  }
}
