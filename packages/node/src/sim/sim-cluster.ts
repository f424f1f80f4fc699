import { memoryLogger, type Address, type LogRecord, type RecordSigning } from '@trellis/runtime';
import { Simulation, type SimHost, type SimulationOptions } from '@trellis/sim';
import type { StoreApis } from '@trellis/store';
import { toMemberMessage, type SwimConfig, type SwimProfile } from '@trellis/swim';
import type { MessagesConfig } from '../core/user-messages.js';
import type { NodeEvent } from '../core/node-core.js';
import { startNode, type GossipNode, type NoStores, type StorePlugins } from '../gossip-node.js';
import { WireCodec } from '../wire/wire-codec.js';

export interface SimClusterOptions<P extends StorePlugins = NoStores> {
  readonly seed: number;
  readonly network?: SimulationOptions['network'];
  /** Trace records the simulation keeps (its default: 10,000). */
  readonly traceMax?: number;
  /** Store plug-ins, configured once: each creates a fresh store for every node (re)start. */
  readonly stores?: P;
  readonly profile?: SwimProfile;
  readonly swim?: Partial<SwimConfig>;
  readonly messages?: Partial<MessagesConfig>;
  /** Every node logs here (default: nowhere). */
  readonly logs?: LogRecord[];
  /** Record every node's events in `events` (default false: at 1,000 nodes they are millions). */
  readonly recordEvents?: boolean;
  /** Each node's identity (records signed, signatures checked); default none. */
  readonly identity?: (id: string) => RecordSigning;
  /** Runs after every node (re)start, e.g. to publish its routes. */
  readonly onStart?: (node: GossipNode<StoreApis<P>>, host: SimHost) => void;
}

export interface RecordedEvent {
  readonly at: number;
  readonly node: string;
  readonly event: NodeEvent;
}

/**
 * Real gossip nodes (NodeCore + Driver, the code that runs on UDP) on the simulator: node i is
 * `SimCluster.id(i)` at `SimCluster.addr(i)`, each on its own SimHost, restarted with a fresh
 * node whose incarnation is above its previous life's (as createNode does with the wall clock).
 */
export class SimCluster<P extends StorePlugins = NoStores> {
  readonly sim: Simulation;
  readonly nodes = new Map<string, GossipNode<StoreApis<P>>>();
  readonly events: RecordedEvent[] = [];
  readonly #opts: SimClusterOptions<P>;
  readonly #incarnations = new Map<string, number>();
  // One for every node: it drops everything, and a logger per node costs memory at scale.
  readonly #silent = memoryLogger([], {}, 0);

  constructor(opts: SimClusterOptions<P>) {
    this.#opts = opts;
    this.sim = new Simulation({
      seed: opts.seed,
      ...(opts.network ? { network: opts.network } : {}),
      ...(opts.traceMax === undefined ? {} : { traceMax: opts.traceMax }),
    });
  }

  static id(i: number): string {
    return `n${i}`;
  }

  /** Distinct for i < 15,625,000: 10.0.0.1, ... 10.0.0.250, 10.0.1.1, ... */
  static addr(i: number): Address {
    return `10.${Math.floor(i / 62_500)}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}:7946`;
  }

  /** Adds host i running node `n<i>`, which joins through `seeds` (none: it starts alone). */
  add(i: number, seeds: readonly Address[] = []): GossipNode<StoreApis<P>> {
    const id = SimCluster.id(i);
    this.sim.addHost(SimCluster.addr(i), { onStart: (host) => this.#start(id, host, seeds) });
    return this.node(id);
  }

  #start(id: string, host: SimHost, seeds: readonly Address[]): void {
    const o = this.#opts;
    const incarnation = Math.max(host.now(), (this.#incarnations.get(id) ?? 0) + 1);
    this.#incarnations.set(id, incarnation);
    const node = startNode({
      id,
      addr: host.localAddress,
      incarnation,
      now: host.now(),
      rng: host.rng,
      ...(o.profile ? { profile: o.profile } : {}),
      ...(o.swim ? { config: o.swim } : {}),
      ...(o.stores ? { stores: o.stores } : {}),
      ...(o.identity ? { signing: o.identity(id) } : {}),
      ...(o.messages ? { messages: o.messages } : {}),
      transport: host,
      scheduler: host,
      codec: new WireCodec({}),
      envelopeReserveBytes: 2,
      logger: o.logs ? memoryLogger(o.logs) : this.#silent,
      seeds,
    });
    if (o.recordEvents === true)
      node.on('event', (event) => this.events.push({ at: host.now(), node: id, event }));
    this.nodes.set(id, node);
    o.onStart?.(node, host);
  }

  node(i: number | string): GossipNode<StoreApis<P>> {
    const id = typeof i === 'number' ? SimCluster.id(i) : i;
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  addrOf(id: string): Address {
    return SimCluster.addr(Number(id.slice(1)));
  }

  ids(): string[] {
    return [...this.nodes.keys()];
  }

  /** Running nodes (not crashed), in the order they were added. */
  running(): GossipNode<StoreApis<P>>[] {
    const out: GossipNode<StoreApis<P>>[] = [];
    for (const [id, n] of this.nodes) if (this.sim.host(this.addrOf(id))?.running === true) out.push(n);
    return out;
  }

  crash(i: number): void {
    this.sim.crash(SimCluster.addr(i));
  }

  restart(i: number): void {
    this.sim.restart(SimCluster.addr(i));
  }

  /**
   * Nodes 0..n-1 start alone, then each is handed every member's alive record through its public
   * input path (`core.handleDatagram` from the member's own address, as if each member had
   * gossiped itself, which confirms it): a full cluster without the N x N news of a boot by
   * joins. Their events are drained unseen.
   */
  seedMembers(n: number): void {
    for (let i = 0; i < n; i++) this.add(i);
    const messages = Array.from({ length: n }, (_, i) =>
      toMemberMessage(this.node(i).member(SimCluster.id(i))!),
    );
    const now = this.sim.now;
    for (let i = 0; i < n; i++) {
      const core = this.node(i).core;
      // From the member's own address: from anyone else's, a record is hearsay, and N members
      // nobody confirmed cost every node verification pings for N / 16 seconds.
      messages.forEach((m, j) => core.handleDatagram(now, SimCluster.addr(j), [m]));
      // The driver hands events to listeners on its next wake-up; nobody listens yet.
      while (core.pollEvent() !== undefined);
    }
  }

  /** Every running node sees exactly `expected` members alive (or suspect). */
  allSeeAlive(expected: readonly string[]): boolean {
    const want = [...expected].sort().join(',');
    return this.running().every(
      (n) =>
        n
          .liveMembers()
          .map((m) => m.id)
          .sort()
          .join(',') === want,
    );
  }

  /** Every running node other than `id` holds `id` as dead. */
  allSeeDead(id: string): boolean {
    return this.running().every((n) => n.id === id || n.member(id)?.status === 'dead');
  }

  firstEvent(pred: (e: RecordedEvent) => boolean): RecordedEvent | undefined {
    return this.events.find(pred);
  }

  /** Fraction of `nodes` for which `pred` holds (1 for none). */
  static fraction<N>(nodes: readonly N[], pred: (n: N) => boolean): number {
    let k = 0;
    for (const n of nodes) if (pred(n)) k++;
    return nodes.length === 0 ? 1 : k / nodes.length;
  }
}
