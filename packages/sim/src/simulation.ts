import { InvalidArgumentError, type Address, type Instant } from '@trellis/runtime';
import type { Invariant, InvariantContext } from './invariants/invariant.js';
import type { LatencyDistribution } from './latency.js';
import { checkLatency } from './latency.js';
import type { LinkField, LinkSettings } from './link-policy.js';
import { Network } from './network.js';
import { EventsMaxError, InvariantViolation } from './sim-errors.js';
import type { SimHost } from './sim-host.js';
import { parseSimulationConfig, type SimulationConfig, type SimulationOptions } from './simulation-config.js';
import type { SimulationStats } from './simulation-stats.js';
import type { Trace, TraceEntry } from './trace.js';
import { ConfigProblems } from '@trellis/runtime';

export interface AddHostOptions {
  /** Runs now and again after every restart, with the new incarnation: build the app here. */
  readonly onStart?: (host: SimHost) => void;
}

export interface RunUntilOptions {
  /** Virtual time to give up after. */
  readonly timeoutMs?: number;
  /** Virtual interval between evaluations of the predicate. */
  readonly checkEveryMs?: number;
}

/**
 * A deterministic virtual-time network of simulated hosts. Everything random derives from
 * `config.seed`, nothing reads a real clock, and events run in (time, sequence) order, so one
 * seed always replays the same run and the same trace hash.
 */
export class Simulation {
  readonly config: SimulationConfig;
  readonly #net: Network;
  readonly #invariants: Invariant[] = [];
  readonly #context: InvariantContext;
  #nextCheckAt = Infinity;
  #eventsThisCall = 0;

  constructor(options: SimulationOptions) {
    this.config = parseSimulationConfig(options);
    this.#net = new Network(this.config);
    const net = this.#net;
    this.#context = {
      get now() {
        return net.now;
      },
      seed: this.config.seed,
      isBlocked: (from, to) => net.partitions.blocked(from, to),
      runningAddresses: () => net.slots.filter((s) => s.current !== undefined).map((s) => s.address),
    };
  }

  get seed(): number {
    return this.config.seed;
  }

  /** Virtual now, in ms; starts at `config.epochMs`. */
  get now(): Instant {
    return this.#net.now;
  }

  get trace(): Trace {
    return this.#net.trace;
  }

  stats(): SimulationStats {
    return { ...this.#net.stats };
  }

  /** Events waiting in the queue, cancelled timers included. */
  get pendingEvents(): number {
    return this.#net.queue.size;
  }

  addHost(address: Address, options: AddHostOptions = {}): SimHost {
    return this.#net.addHost(address, options.onStart);
  }

  /** The running incarnation at `address`, or undefined while it is crashed (or unknown). */
  host(address: Address): SimHost | undefined {
    return this.#net.slot(address)?.host;
  }

  addresses(): Address[] {
    return this.#net.slots.map((s) => s.address);
  }

  // ---- running --------------------------------------------------------------------------

  /** Runs the next live event; false when the queue is empty. */
  step(): boolean {
    this.#eventsThisCall = 0;
    return this.#stepUntil(Infinity);
  }

  /** Runs every event due within `durationMs`, then leaves the clock at now + durationMs. */
  run(durationMs: number): void {
    checkDuration('durationMs', durationMs);
    this.#eventsThisCall = 0;
    const end = this.#net.now + durationMs;
    while (this.#stepUntil(end));
    this.#checkUpTo(end);
    this.#net.now = end;
  }

  /**
   * Runs until `predicate()` holds, evaluated every `checkEveryMs` of virtual time. Returns
   * false if `timeoutMs` passed first.
   */
  runUntil(predicate: () => boolean, options: RunUntilOptions = {}): boolean {
    const { timeoutMs = 60_000, checkEveryMs = 10 } = options;
    checkDuration('timeoutMs', timeoutMs);
    checkDuration('checkEveryMs', checkEveryMs);
    if (predicate()) return true;
    const deadline = this.#net.now + timeoutMs;
    this.#eventsThisCall = 0;
    while (this.#net.now < deadline) {
      const end = Math.min(deadline, this.#net.now + checkEveryMs);
      while (this.#stepUntil(end));
      this.#checkUpTo(end);
      this.#net.now = end;
      if (predicate()) return true;
    }
    return false;
  }

  /** Pops events until one does something or the next is due after `end`. */
  #stepUntil(end: Instant): boolean {
    const net = this.#net;
    for (;;) {
      const ev = net.queue.peek();
      if (ev === undefined || ev.at > end) return false;
      net.queue.pop();
      if (ev.cancelled) continue;
      this.#checkUpTo(ev.at);
      net.now = ev.at;
      if (++this.#eventsThisCall > this.config.eventsMax)
        throw new EventsMaxError(this.config.eventsMax, this.seed, net.now);
      net.stats.eventsProcessed++;
      if (net.dispatch(ev)) return true;
    }
  }

  // ---- invariants -----------------------------------------------------------------------

  /** Installs a checker; its first periodic check is one `invariantCheckEveryMs` from now. */
  addInvariant(invariant: Invariant): void {
    this.#invariants.push(invariant);
    if (this.#nextCheckAt === Infinity) this.#nextCheckAt = this.#net.now + this.config.invariantCheckEveryMs;
    this.#net.observer = (entry) => this.#observe(entry);
  }

  /** Runs every checker's `check` now. */
  checkInvariants(): void {
    for (const inv of this.#invariants) this.#report(inv, inv.check?.(this.#context));
  }

  #observe(entry: TraceEntry): void {
    for (const inv of this.#invariants) this.#report(inv, inv.observe?.(entry, this.#context));
  }

  #checkUpTo(at: Instant): void {
    while (this.#nextCheckAt <= at) {
      this.#net.now = this.#nextCheckAt;
      this.#nextCheckAt += this.config.invariantCheckEveryMs;
      this.checkInvariants();
    }
  }

  #report(inv: Invariant, problem: string | undefined): void {
    if (problem !== undefined) throw new InvariantViolation(inv.name, problem, this.seed, this.#net.now);
  }

  // ---- faults ---------------------------------------------------------------------------

  /** Blocks traffic between the groups (a -> b only if `oneWay`). Messages in flight are dropped on arrival. */
  partition(
    groupA: readonly Address[],
    groupB: readonly Address[],
    options: { oneWay?: boolean } = {},
  ): void {
    this.#net.partitions.add(groupA, groupB, options.oneWay ?? false);
  }

  /** No groups: heal all partitions. One: heal everything to and from it. Two: heal between them. */
  repair(groupA?: readonly Address[], groupB?: readonly Address[]): void {
    this.#net.partitions.repair(groupA, groupB);
  }

  /** Whether a partition blocks from -> to right now. */
  isBlocked(from: Address, to: Address): boolean {
    return this.#net.partitions.blocked(from, to);
  }

  /** Queues (does not lose) every message to or from `address` until `release`. */
  hold(address: Address): void {
    this.#net.mustSlot(address).held = true;
  }

  /** Delivers what `hold` queued, in order, at the current instant. */
  release(address: Address): void {
    this.#net.mustSlot(address).held = false;
    this.#net.releaseHeld();
  }

  /**
   * Kills the host: timers cancelled, transport closed, traffic to it lost, requests to it fail
   * REFUSED (its host is up, nobody listens). The dead incarnation gets no further callbacks. Idempotent.
   */
  crash(address: Address): void {
    this.#net.crash(this.#net.mustSlot(address));
  }

  /** Starts a new incarnation (crashing the running one first) and calls `onStart` with it. */
  restart(address: Address): SimHost {
    const slot = this.#net.mustSlot(address);
    this.#net.crash(slot);
    return this.#net.start(slot);
  }

  setLinkLatency(
    a: Address,
    b: Address,
    dist: LatencyDistribution,
    options: { symmetric?: boolean } = {},
  ): void {
    const problems = new ConfigProblems();
    checkLatency(problems, 'latency', dist);
    problems.throwIfAny('link latency');
    this.#net.policy.set('latency', dist, a, b, options.symmetric ?? true);
  }

  /** Sets the default latency for all links (no address) or every link of one host. */
  setLatency(dist: LatencyDistribution, address?: Address): void {
    const problems = new ConfigProblems();
    checkLatency(problems, 'latency', dist);
    problems.throwIfAny('latency');
    this.#net.policy.set('latency', dist, address);
  }

  /** Network-wide; with `a`, every link to and from a; with `a` and `b`, both directions between them. */
  setLossRate(rate: number, a?: Address, b?: Address): void {
    this.#setRate('lossRate', rate, a, b);
  }

  setDuplicateRate(rate: number, a?: Address, b?: Address): void {
    this.#setRate('duplicateRate', rate, a, b);
  }

  setReorderRate(rate: number, a?: Address, b?: Address): void {
    this.#setRate('reorderRate', rate, a, b);
  }

  #setRate(
    field: Exclude<LinkField, 'latency'>,
    rate: LinkSettings[typeof field],
    a?: Address,
    b?: Address,
  ): void {
    if (!(rate >= 0 && rate <= 1)) throw new InvalidArgumentError(`${field} must be in [0, 1], got ${rate}`);
    this.#net.policy.set(field, rate, a, b);
  }
}

function checkDuration(name: string, ms: number): void {
  if (!(ms >= 0) || !Number.isFinite(ms))
    throw new InvalidArgumentError(`${name} must be >= 0 and finite, got ${ms}`);
}
