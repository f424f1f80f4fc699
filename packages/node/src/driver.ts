import {
  type Address,
  type Instant,
  type Logger,
  type Scheduler,
  type Transport,
  type TransportError,
  type TransportReceiver,
} from '@trellis/runtime';
import type { NodeCore, NodeEvent } from './core/node-core.js';
import type { WireCodec } from './wire/wire-codec.js';

/** Traffic counters kept by the driver (the core keeps protocol counters). */
export interface DriverStats {
  packetsIn: number;
  packetsOut: number;
  /** Every byte on the wire: datagrams, stream requests, and the replies to them, both ways. */
  bytesIn: number;
  bytesOut: number;
  requestsIn: number;
  requestsOut: number;
  requestsFailed: number;
  sendErrors: number;
  /** Messages too large for a packet, sent nowhere (they still travel by push-pull). */
  oversizedDropped: number;
}

/**
 * The one code path between a sans-IO core and the world, used unchanged by the real node
 * (UDP/TCP transport, wall clock) and the simulator (SimHost): decode what arrives, feed the
 * core, encode and send what it emits, hand its events on, and sleep until its next deadline.
 */
export class Driver implements TransportReceiver {
  readonly stats: DriverStats = {
    packetsIn: 0,
    packetsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    requestsIn: 0,
    requestsOut: 0,
    requestsFailed: 0,
    sendErrors: 0,
    oversizedDropped: 0,
  };
  readonly #core: NodeCore;
  readonly #transport: Transport;
  readonly #scheduler: Scheduler;
  readonly #codec: WireCodec;
  readonly #onEvent: (event: NodeEvent) => void;
  readonly #log: Logger;
  #timerAt: Instant | undefined;
  #cancelTimer: (() => void) | undefined;
  #closed = false;
  #paused = false;

  constructor(opts: {
    core: NodeCore;
    transport: Transport;
    scheduler: Scheduler;
    codec: WireCodec;
    onEvent: (event: NodeEvent) => void;
    logger: Logger;
  }) {
    this.#core = opts.core;
    this.#transport = opts.transport;
    this.#scheduler = opts.scheduler;
    this.#codec = opts.codec;
    this.#onEvent = opts.onEvent;
    this.#log = opts.logger;
  }

  start(): void {
    this.#transport.listen(this);
    this.flush();
  }

  onDatagram(from: Address, payload: Uint8Array): void {
    if (this.#closed) return;
    this.stats.packetsIn++;
    this.stats.bytesIn += payload.length;
    const decoded = this.#codec.decode(payload, 'datagram');
    const now = this.#scheduler.now();
    if (!decoded.ok) this.#onEvent({ type: 'messageRejected', from, reason: `wire:${decoded.reason}` });
    else this.#core.handleDatagram(now, from, decoded.messages);
    this.flush();
  }

  onRequest(from: Address, payload: Uint8Array, reply: (payload: Uint8Array) => void): void {
    if (this.#closed) return;
    this.stats.requestsIn++;
    this.stats.bytesIn += payload.length;
    const decoded = this.#codec.decode(payload, 'stream');
    const now = this.#scheduler.now();
    if (!decoded.ok || decoded.messages.length !== 1) {
      this.#onEvent({
        type: 'messageRejected',
        from,
        reason: `wire:${decoded.ok ? 'requestShape' : decoded.reason}`,
      });
      return;
    }
    const answer = this.#core.handleRequest(now, from, decoded.messages[0]);
    try {
      const frame = this.#codec.encodeFrame([answer]);
      // Replies are traffic too (push-pull answers are the biggest frames a node sends).
      this.stats.bytesOut += frame.length;
      reply(frame);
    } catch (error) {
      this.#log.warn({ err: error, from }, 'reply not sent');
    }
    this.flush();
  }

  /** Sends what the core has queued, hands on its events and re-arms the timer. */
  flush(): void {
    if (this.#closed) return;
    for (let t = this.#core.pollTransmit(); t !== undefined; t = this.#core.pollTransmit()) {
      if (t.kind === 'datagram') this.#sendDatagrams(t.to, t.msgs);
      else this.#sendRequest(t.to, t.token, t.msg, t.timeoutMs);
    }
    for (let e = this.#core.pollEvent(); e !== undefined; e = this.#core.pollEvent()) this.#onEvent(e);
    this.#arm();
  }

  /**
   * Stops firing timers (a simulated event-loop stall). `resume` fires whatever is due, late,
   * exactly as a blocked Node.js process would on waking.
   */
  pause(): void {
    this.#paused = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#timerAt = undefined;
  }

  resume(): void {
    this.#paused = false;
    this.#arm();
  }

  close(): void {
    this.#closed = true;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#transport.close();
  }

  #arm(): void {
    if (this.#paused || this.#closed) return;
    const at = this.#core.pollTimeout();
    if (at === this.#timerAt) return;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    this.#timerAt = at;
    if (at === undefined) return;
    this.#cancelTimer = this.#scheduler.schedule(at, () => {
      this.#cancelTimer = undefined;
      this.#timerAt = undefined;
      if (this.#closed || this.#paused) return;
      this.#core.handleTimeout(this.#scheduler.now());
      this.flush();
    });
  }

  #sendDatagrams(to: Address, msgs: readonly object[]): void {
    const { packets, oversized } = this.#codec.encodeDatagrams(msgs);
    this.stats.oversizedDropped += oversized.length;
    for (const packet of packets) {
      try {
        this.#transport.sendDatagram(to, packet);
        this.stats.packetsOut++;
        this.stats.bytesOut += packet.length;
      } catch (error) {
        this.stats.sendErrors++;
        this.#log.debug({ err: error, to }, 'datagram not sent');
      }
    }
  }

  #sendRequest(to: Address, token: number, msg: object, timeoutMs: number): void {
    let frame: Uint8Array;
    try {
      frame = this.#codec.encodeFrame([msg]);
    } catch (error) {
      this.#log.warn({ err: error, to }, 'request too large');
      this.#core.handleReply(this.#scheduler.now(), token, undefined, 'oversized');
      return;
    }
    this.stats.requestsOut++;
    this.stats.bytesOut += frame.length;
    this.#transport.request(to, frame, timeoutMs, (error: TransportError | undefined, reply) => {
      if (this.#closed) return;
      const now = this.#scheduler.now();
      if (error !== undefined || reply === undefined) {
        this.stats.requestsFailed++;
        this.#core.handleReply(now, token, undefined, error?.code ?? 'noReply');
      } else {
        this.stats.bytesIn += reply.length;
        const decoded = this.#codec.decode(reply, 'stream');
        if (decoded.ok && decoded.messages.length === 1)
          this.#core.handleReply(now, token, decoded.messages[0]);
        else
          this.#core.handleReply(now, token, undefined, `wire:${decoded.ok ? 'replyShape' : decoded.reason}`);
      }
      this.flush();
    });
  }
}
