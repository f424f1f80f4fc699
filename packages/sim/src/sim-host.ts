import type {
  Address,
  Instant,
  Rng,
  Scheduler,
  Transport,
  TransportReceiver,
  TransportError,
} from '@trellis/runtime';
import type { HostState } from './host-state.js';
import type { Network } from './network.js';

/**
 * One incarnation of a simulated host: the `Transport` and `Scheduler` a driver is given, on
 * virtual time. A restart makes a new `SimHost` for the same address; the old one stays closed.
 */
export class SimHost implements Transport, Scheduler {
  readonly localAddress: Address;
  readonly datagramSizeMax: number;
  readonly streamSizeMax: number;
  /** This incarnation's own random stream, forked from the simulation seed. */
  readonly rng: Rng;
  readonly #net: Network;
  readonly #state: HostState;

  /** @internal Created by `Simulation.addHost` and `Simulation.restart`. */
  constructor(net: Network, state: HostState, rng: Rng) {
    this.#net = net;
    this.#state = state;
    this.rng = rng;
    this.localAddress = state.slot.address;
    this.datagramSizeMax = net.config.datagramSizeMax;
    this.streamSizeMax = net.config.streamSizeMax;
  }

  /** False once this incarnation has been closed or crashed. */
  get running(): boolean {
    return !this.#state.closed;
  }

  now(): Instant {
    return this.#net.now;
  }

  /** A time in the past runs at the current instant, after events already queued for it. */
  schedule(at: Instant, fn: () => void): () => void {
    return this.#net.schedule(this.#state, at, fn);
  }

  sendDatagram(to: Address, payload: Uint8Array): void {
    this.#net.sendDatagram(this.#state, to, payload);
  }

  request(
    to: Address,
    payload: Uint8Array,
    timeoutMs: number,
    onReply: (error: TransportError | undefined, reply: Uint8Array | undefined) => void,
  ): void {
    this.#net.requests.send(this.#state, to, payload, timeoutMs, onReply);
  }

  listen(receiver: TransportReceiver): void {
    this.#net.assertOpen(this.#state);
    this.#state.receiver = receiver;
  }

  /** Closes the transport; timers keep running (only a crash stops them). */
  close(): void {
    this.#net.shutdown(this.#state, false);
  }
}
