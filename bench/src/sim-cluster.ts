/**
 * Trellis nodes on the simulator for the benchmarks: `@trellis/node/sim`'s harness (the one the
 * node's tests use) with what an agent runs on every node, no event log (at 5,000 nodes it would
 * hold millions of records), and the two ways to bring a cluster up.
 */
import { Rng } from '@trellis/runtime';
import type { SimulationOptions } from '@trellis/sim';
import type { GossipNode as AnyGossipNode } from '@trellis/node';
import { SimCluster } from '@trellis/node/sim';
import type { SwimConfig } from '@trellis/swim';
import { routeStore, type Overlay, type RoutesApi } from '@trellis/routes';
import { taskStore, type TasksApi } from '@trellis/tasks';

/** A benchmarked node runs what an agent runs: membership, the route store, the task store. */
export type GossipNode = AnyGossipNode<{ readonly routes: RoutesApi; readonly tasks: TasksApi }>;

type BenchStores = { routes: ReturnType<typeof routeStore>; tasks: ReturnType<typeof taskStore> };

export interface BenchClusterOptions {
  readonly seed: number;
  readonly swim?: Partial<SwimConfig>;
  readonly network?: SimulationOptions['network'];
  readonly overlays?: readonly Overlay[];
}

/** How the starting cluster was brought up; printed and recorded beside every figure. */
export type BringUp = 'join' | 'seeded';

/** N gossip nodes on one simulation; node i lives at `BenchCluster.addr(i)`. */
export class BenchCluster extends SimCluster<BenchStores> {
  readonly #rng: Rng;

  constructor(opts: BenchClusterOptions) {
    super({
      seed: opts.seed,
      ...(opts.network ? { network: opts.network } : {}),
      ...(opts.swim ? { swim: opts.swim } : {}),
      stores: { routes: routeStore({ overlays: opts.overlays ?? [] }), tasks: taskStore() },
      traceMax: 1000,
    });
    this.#rng = Rng.fromSeed(opts.seed).fork('bench-cluster');
  }

  /**
   * Brings up nodes 0..n-1. `join`: node 0 alone, then the rest join through random members
   * already up, `batch` at a time, one batch per `batchEveryMs` of virtual time. `seeded`:
   * `SimCluster.seedMembers`, skipping the boot storm.
   */
  bringUp(n: number, how: BringUp, batch = 50, batchEveryMs = 1000): void {
    if (how === 'seeded') return this.seedMembers(n);
    this.add(0);
    for (let i = 1; i < n; i += batch) {
      for (let j = i; j < Math.min(n, i + batch); j++) this.add(j, [SimCluster.addr(this.#rng.int(0, i))]);
      this.sim.run(batchEveryMs);
    }
  }

  /** Nodes that see all of `0..n-1` alive. */
  convergedFraction(n: number): number {
    return SimCluster.fraction(this.running(), (x) => x.liveMembers().length === n);
  }
}
