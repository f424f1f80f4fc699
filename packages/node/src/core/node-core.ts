import type { Address, Instant } from '@trellis/runtime';
import { Swim, type SwimEvent, type SwimOptions, type Transmit } from '@trellis/swim';

export type NodeCoreOptions = SwimOptions;

export type NodeEvent = SwimEvent;

/**
 * The gossip node as one sans-IO core. Today it is the failure detector and its member table;
 * the route store plugs in through the seams Swim offers (a broadcast class with its own share
 * of each packet, an anti-entropy section, a handler for its message types), so the driver
 * below never changes when a replicated table is added.
 */
export class NodeCore {
  readonly swim: Swim;

  constructor(options: NodeCoreOptions) {
    this.swim = new Swim(options);
  }

  get selfId(): string {
    return this.swim.selfId;
  }

  join(now: Instant, seeds: readonly Address[]): void {
    this.swim.join(now, seeds);
  }

  leave(now: Instant): void {
    this.swim.leave(now);
  }

  /** The messages of one decoded datagram, in order. */
  handleDatagram(now: Instant, from: Address, messages: readonly unknown[]): void {
    for (const msg of messages) this.swim.handleMessage(now, from, msg);
  }

  handleRequest(now: Instant, from: Address, msg: unknown): object {
    return this.swim.handleRequest(now, from, msg);
  }

  handleReply(now: Instant, token: number, reply: unknown, error?: string): void {
    this.swim.handleReply(now, token, reply, error);
  }

  handleTimeout(now: Instant): void {
    this.swim.handleTimeout(now);
  }

  pollTransmit(): Transmit | undefined {
    return this.swim.pollTransmit();
  }

  pollEvent(): NodeEvent | undefined {
    return this.swim.pollEvent();
  }

  pollTimeout(): Instant | undefined {
    return this.swim.pollTimeout();
  }
}
