import { InvalidArgumentError, Rng, TransportError, type Address, type Instant } from '@trellis/runtime';
import { EventKind, EventQueue, SimEvent } from './event-queue.js';
import { HostSlot, HostState } from './host-state.js';
import { sampleLatency } from './latency.js';
import { LinkPolicy, type LinkSettings } from './link-policy.js';
import { Partitions } from './partitions.js';
import { RequestFlow } from './request-flow.js';
import { SimHost } from './sim-host.js';
import type { SimulationConfig } from './simulation-config.js';
import { emptyStats, type SimulationStats } from './simulation-stats.js';
import { Trace, type TraceEntry, type TraceKind } from './trace.js';

/**
 * The simulated fabric: hosts, the event queue, datagram delivery, holds. `Simulation` is the
 * public facade over it (verbs and the run loop); `RequestFlow` handles the reliable stream.
 */
export class Network {
  readonly config: SimulationConfig;
  now: Instant;
  readonly queue = new EventQueue();
  readonly partitions = new Partitions();
  readonly policy: LinkPolicy;
  readonly trace: Trace;
  readonly stats: SimulationStats = emptyStats();
  readonly rng: Rng;
  readonly requests: RequestFlow;
  readonly slots: HostSlot[] = [];
  /** Called with every trace record while invariant checkers are installed. */
  observer: ((entry: TraceEntry) => void) | undefined = undefined;
  readonly #root: Rng;
  readonly #byAddress = new Map<Address, HostSlot>();
  #held: SimEvent[] = [];

  constructor(config: SimulationConfig) {
    this.config = config;
    this.now = config.epochMs;
    this.#root = Rng.fromSeed(config.seed);
    this.rng = this.#root.fork('network');
    this.policy = new LinkPolicy(config.network);
    this.trace = new Trace(config.traceMax, (i) => this.slots[i]?.address ?? '<no host>');
    this.requests = new RequestFlow(this);
  }

  slot(address: Address): HostSlot | undefined {
    return this.#byAddress.get(address);
  }

  mustSlot(address: Address): HostSlot {
    const slot = this.#byAddress.get(address);
    if (slot === undefined) throw new InvalidArgumentError(`no simulated host at ${address}`);
    return slot;
  }

  emit(kind: TraceKind, from: number, to: number, bytes: number, ref: number): void {
    this.trace.record(this.now, kind, from, to, bytes, ref);
    if (this.observer !== undefined) {
      const name = (i: number) => this.slots[i]?.address ?? '<no host>';
      this.observer({ atMs: this.now, kind, from: name(from), to: name(to), bytes, ref });
    }
  }

  event(at: Instant, kind: EventKind): SimEvent {
    const ev = new SimEvent();
    ev.at = at;
    ev.kind = kind;
    return ev;
  }

  blocked(from: HostSlot, to: HostSlot): boolean {
    return this.partitions.active && this.partitions.blocked(from.address, to.address);
  }

  /** One-way delay from -> to; the stream adds a size term. */
  delay(from: Address, to: Address, bytes = 0): number {
    const base = sampleLatency(this.policy.resolve(from, to).latency, this.rng);
    return bytes === 0 ? base : base + bytes / this.config.network.streamBandwidthBytesPerMs;
  }

  assertOpen(state: HostState): void {
    if (state.closed)
      throw new TransportError('ERR_TRELLIS_CLOSED', `transport ${state.slot.address} is closed`);
  }

  addHost(address: Address, onStart: ((host: SimHost) => void) | undefined): SimHost {
    if (typeof address !== 'string' || address.length === 0)
      throw new InvalidArgumentError('a host address must be a non-empty string');
    if (this.#byAddress.has(address)) throw new InvalidArgumentError(`host ${address} already exists`);
    const slot = new HostSlot(this.slots.length, address, onStart);
    this.slots.push(slot);
    this.#byAddress.set(address, slot);
    return this.start(slot);
  }

  /** Starts a fresh incarnation in `slot` and runs its `onStart`. */
  start(slot: HostSlot): SimHost {
    const state = new HostState(slot);
    const host = new SimHost(this, state, this.#root.fork(`host/${slot.address}/${slot.starts}`));
    slot.starts++;
    slot.current = state;
    slot.host = host;
    this.emit('hostStarted', slot.index, slot.index, 0, slot.starts);
    slot.onStart?.(host);
    return host;
  }

  crash(slot: HostSlot): void {
    const state = slot.current;
    if (state === undefined) return;
    this.shutdown(state, true);
    slot.current = undefined;
    slot.host = undefined;
    this.emit('hostCrashed', slot.index, slot.index, 0, slot.starts);
  }

  /** close() (crashed = false) or a crash: a crashed incarnation gets no more callbacks. */
  shutdown(state: HostState, crashed: boolean): void {
    if (crashed) state.crashed = true;
    if (state.closed) return;
    state.closed = true;
    state.receiver = undefined;
    this.requests.abortAll(state, crashed);
  }

  schedule(owner: HostState, at: Instant, fn: () => void): () => void {
    if (owner.crashed) return noop;
    const ev = this.event(Math.max(at, this.now), EventKind.timer);
    ev.owner = owner;
    ev.fn = fn;
    this.queue.push(ev);
    return () => {
      ev.cancelled = true;
    };
  }

  sendDatagram(state: HostState, to: Address, payload: Uint8Array): void {
    this.assertOpen(state);
    if (payload.length > this.config.datagramSizeMax)
      throw new TransportError(
        'ERR_TRELLIS_OVERSIZED',
        `datagram of ${payload.length} bytes exceeds datagramSizeMax ${this.config.datagramSizeMax}`,
      );
    this.stats.datagramsSent++;
    const src = state.slot;
    const dst = this.#byAddress.get(to);
    if (dst === undefined || this.blocked(src, dst)) return this.#drop(src.index, dst?.index ?? -1, payload);
    const link = this.policy.resolve(src.address, to);
    if (this.rng.chance(link.lossRate)) return this.#drop(src.index, dst.index, payload);
    const duplicate = this.rng.chance(link.duplicateRate);
    this.#transmit(src, dst, payload, link);
    if (duplicate) {
      this.stats.datagramsDuplicated++;
      this.emit('datagramDuplicated', src.index, dst.index, payload.length, 0);
      this.#transmit(src, dst, payload, this.policy.resolve(src.address, to));
    }
  }

  /** Queues one delivery of a private copy: the receiver never aliases the sender's buffer. */
  #transmit(src: HostSlot, dst: HostSlot, payload: Uint8Array, link: Readonly<LinkSettings>): void {
    let delay = sampleLatency(link.latency, this.rng);
    if (this.rng.chance(link.reorderRate)) delay += sampleLatency(this.config.network.reorderDelay, this.rng);
    const ev = this.event(this.now + delay, EventKind.datagramArrives);
    ev.from = src.index;
    ev.to = dst.index;
    ev.payload = payload.slice();
    this.queue.push(ev);
  }

  #drop(from: number, to: number, payload: Uint8Array): void {
    this.stats.datagramsDropped++;
    this.emit('datagramDropped', from, to, payload.length, 0);
  }

  /** Runs one due event; returns false for a cancelled or obsolete one (nothing happened). */
  dispatch(ev: SimEvent): boolean {
    switch (ev.kind) {
      case EventKind.timer: {
        const owner = ev.owner!;
        if (owner.crashed) return false;
        this.stats.timersFired++;
        this.emit('timerFired', owner.slot.index, owner.slot.index, 0, 0);
        ev.fn!();
        return true;
      }
      case EventKind.datagramArrives:
        return this.#arrive(ev);
      default:
        return this.requests.dispatch(ev);
    }
  }

  #arrive(ev: SimEvent): boolean {
    const src = this.slots[ev.from]!;
    const dst = this.slots[ev.to]!;
    const payload = ev.payload!;
    // Checked again on arrival: a partition raised while the datagram was in flight drops it.
    if (this.blocked(src, dst)) return (this.#drop(src.index, dst.index, payload), true);
    if (this.holdIfHeld(ev)) return true;
    const receiver = dst.current?.receiver;
    if (receiver === undefined) return (this.#drop(src.index, dst.index, payload), true);
    this.stats.datagramsDelivered++;
    this.emit('datagramDelivered', src.index, dst.index, payload.length, 0);
    receiver.onDatagram(src.address, payload);
    return true;
  }

  /** Parks a message whose sender or receiver is held; true if it was parked (or dropped at heldMax). */
  holdIfHeld(ev: SimEvent): boolean {
    const src = this.slots[ev.from]!;
    const dst = this.slots[ev.to]!;
    if (!src.held && !dst.held) return false;
    const bytes = ev.payload?.length ?? 0;
    if (this.#held.length >= this.config.heldMax) {
      this.stats.heldDropped++;
      if (ev.kind === EventKind.datagramArrives) this.#drop(src.index, dst.index, ev.payload!);
      return true;
    }
    this.#held.push(ev);
    this.emit('messageHeld', src.index, dst.index, bytes, ev.request?.id ?? 0);
    return true;
  }

  /** Re-queues, in their original order and at the current instant, messages no longer held. */
  releaseHeld(): void {
    const keep: SimEvent[] = [];
    for (const ev of this.#held) {
      if (this.slots[ev.from]!.held || this.slots[ev.to]!.held) {
        keep.push(ev);
        continue;
      }
      ev.at = this.now;
      this.queue.push(ev);
      this.emit('messageReleased', ev.from, ev.to, ev.payload?.length ?? 0, ev.request?.id ?? 0);
    }
    this.#held = keep;
  }

  get heldCount(): number {
    return this.#held.length;
  }
}

const noop = (): void => {};
