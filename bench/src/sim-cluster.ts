/**
 * Trellis nodes on the simulator for the benchmarks: the real GossipNode (NodeCore + Driver) on
 * each SimHost, as packages/node/test/helpers/sim-cluster.ts does for the tests (bench cannot
 * import test files), minus the event log: at 5,000 nodes it would hold millions of records.
 */
import { memoryLogger, Rng, type Address } from '@trellis/runtime';
import { Simulation, type SimHost, type SimulationOptions } from '@trellis/sim';
import { startNode, WireCodec, type GossipNode as AnyGossipNode } from '@trellis/node';
import { toMemberMessage, type SwimConfig } from '@trellis/swim';
import { routeStore, type Overlay, type RoutesApi } from '@trellis/routes';
import { taskStore, type TasksApi } from '@trellis/tasks';

/** A benchmarked node runs what an agent runs: membership, the route store, the task store. */
export type GossipNode = AnyGossipNode<{ readonly routes: RoutesApi; readonly tasks: TasksApi }>;

export interface BenchClusterOptions {
  readonly seed: number;
  readonly swim?: Partial<SwimConfig>;
  readonly network?: SimulationOptions['network'];
  readonly overlays?: readonly Overlay[];
}

/** How the starting cluster was brought up; printed and recorded beside every figure. */
export type BringUp = 'join' | 'seeded';

/** N gossip nodes on one simulation; node i lives at `BenchCluster.addr(i)`. */
export class BenchCluster {
  readonly sim: Simulation;
  readonly #opts: BenchClusterOptions;
  readonly #nodes = new Map<number, GossipNode>();
  readonly #silentLogger = memoryLogger([], {}, 0);
  readonly #rng: Rng;
  readonly #stores: { routes: ReturnType<typeof routeStore>; tasks: ReturnType<typeof taskStore> };

  constructor(opts: BenchClusterOptions) {
    this.#opts = opts;
    this.#stores = { routes: routeStore({ overlays: opts.overlays ?? [] }), tasks: taskStore() };
    this.sim = new Simulation({
      seed: opts.seed,
      ...(opts.network ? { network: opts.network } : {}),
      traceMax: 1000,
    });
    this.#rng = Rng.fromSeed(opts.seed).fork('bench-cluster');
  }

  static addr(i: number): Address {
    return `10.${Math.floor(i / 62_500)}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}:7946`;
  }

  /** Adds host i running a node that joins through `seeds` (none: it starts alone). */
  add(i: number, seeds: readonly Address[] = []): GossipNode {
    this.sim.addHost(BenchCluster.addr(i), { onStart: (host) => this.#start(i, host, seeds) });
    return this.node(i);
  }

  #start(i: number, host: SimHost, seeds: readonly Address[]): void {
    const node = startNode({
      id: `n${i}`,
      addr: host.localAddress,
      incarnation: host.now(),
      now: host.now(),
      rng: host.rng,
      ...(this.#opts.swim ? { config: this.#opts.swim } : {}),
      stores: this.#stores,
      transport: host,
      scheduler: host,
      codec: new WireCodec({}),
      envelopeReserveBytes: 2,
      logger: this.#silentLogger,
      seeds,
    });
    this.#nodes.set(i, node);
  }

  node(i: number): GossipNode {
    const n = this.#nodes.get(i);
    if (n === undefined) throw new Error(`no node n${i}`);
    return n;
  }

  /** Running nodes, by index. */
  running(): GossipNode[] {
    const out: GossipNode[] = [];
    for (const [i, n] of this.#nodes) if (this.sim.host(BenchCluster.addr(i))?.running === true) out.push(n);
    return out;
  }

  crash(i: number): void {
    this.sim.crash(BenchCluster.addr(i));
  }

  /**
   * Brings up nodes 0..n-1. `join`: node 0 alone, then the rest join through random members
   * already up, `batch` at a time, one batch per `batchEveryMs` of virtual time. `seeded`: every
   * node starts alone and is handed every other member's alive record through its public input
   * path (`core.handleDatagram`, as if each member had gossiped itself), skipping the boot storm.
   */
  bringUp(n: number, how: BringUp, batch = 50, batchEveryMs = 1000): void {
    if (how === 'join') {
      this.add(0);
      for (let i = 1; i < n; i += batch) {
        for (let j = i; j < Math.min(n, i + batch); j++)
          this.add(j, [BenchCluster.addr(this.#rng.int(0, i))]);
        this.sim.run(batchEveryMs);
      }
      return;
    }
    for (let i = 0; i < n; i++) this.add(i);
    const messages = [...Array(n).keys()].map((i) => toMemberMessage(this.node(i).member(`n${i}`)!));
    const now = this.sim.now;
    for (let i = 0; i < n; i++) {
      const core = this.node(i).core;
      core.handleDatagram(now, BenchCluster.addr(i), messages);
      // The driver hands events to listeners on its next wake-up; nobody listens yet.
      while (core.pollEvent() !== undefined);
    }
  }

  /** Fraction of `nodes` for which `pred` holds. */
  static fraction(nodes: readonly GossipNode[], pred: (n: GossipNode) => boolean): number {
    let k = 0;
    for (const n of nodes) if (pred(n)) k++;
    return nodes.length === 0 ? 1 : k / nodes.length;
  }

  /** Nodes that see all of `0..n-1` alive. */
  convergedFraction(n: number): number {
    return BenchCluster.fraction(this.running(), (x) => x.liveMembers().length === n);
  }
}
