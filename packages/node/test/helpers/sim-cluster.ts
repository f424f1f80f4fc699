import type { LogRecord } from '@trellis/runtime';
import type { SimHost, SimulationOptions } from '@trellis/sim';
import type { SwimConfig, SwimProfile } from '@trellis/swim';
import {
  routeStore,
  type Overlay,
  type RoutesApi,
  type RoutesConfig,
  type RoutesEvent,
} from '@trellis/routes';
import { taskStore, type TasksApi, type TasksConfig } from '@trellis/tasks';
import type { MessagesConfig } from '../../src/core/user-messages.js';
import type { GossipNode as AnyGossipNode } from '../../src/gossip-node.js';
import { SimCluster as NodeSimCluster, type RecordedEvent } from '../../src/sim/sim-cluster.js';
import type { TestCa } from './sim-identity.js';

export type { RecordedEvent } from '../../src/sim/sim-cluster.js';

/** Every simulated node runs the route store (with the cluster's overlays) and the task store. */
export type GossipNode = AnyGossipNode<{ readonly routes: RoutesApi; readonly tasks: TasksApi }>;

type TestStores = { routes: ReturnType<typeof routeStore>; tasks: ReturnType<typeof taskStore> };

export interface SimClusterOptions {
  readonly seed: number;
  readonly nodes: number;
  readonly profile?: SwimProfile;
  readonly swim?: Partial<SwimConfig>;
  readonly network?: SimulationOptions['network'];
  /** Start every node joined through node 0 (default true). */
  readonly join?: boolean;
  readonly logs?: LogRecord[];
  readonly overlays?: readonly Overlay[];
  readonly routes?: Partial<RoutesConfig>;
  readonly tasks?: Partial<TasksConfig>;
  readonly messages?: Partial<MessagesConfig>;
  /** Record every node's events in `events` (default true; off for 1,000-node runs: memory). */
  readonly recordEvents?: boolean;
  /** Every node gets an identity certified by this CA: records signed, signatures checked. */
  readonly ca?: TestCa;
  /** Runs after every node (re)start, e.g. to publish its routes. */
  readonly onStart?: (node: GossipNode, host: SimHost) => void;
}

/** The route-store event inside a recorded node event, if it is one. */
export function routeEvent(e: RecordedEvent): RoutesEvent | undefined {
  return e.event.type === 'storeEvent' && e.event.store === 'routes'
    ? (e.event.event as RoutesEvent)
    : undefined;
}

/**
 * The tests' cluster: `@trellis/node/sim`'s harness with the route and task stores on every node,
 * `nodes` of them added at once, each joining through node 0 unless `join` is false.
 */
export class SimCluster extends NodeSimCluster<TestStores> {
  readonly #join: boolean;

  constructor(opts: SimClusterOptions) {
    const { ca } = opts;
    super({
      seed: opts.seed,
      ...(opts.network ? { network: opts.network } : {}),
      stores: {
        routes: routeStore({
          overlays: opts.overlays ?? [],
          ...(opts.routes ? { config: opts.routes } : {}),
        }),
        tasks: taskStore(opts.tasks ?? {}),
      },
      ...(opts.profile ? { profile: opts.profile } : {}),
      ...(opts.swim ? { swim: opts.swim } : {}),
      ...(opts.messages ? { messages: opts.messages } : {}),
      ...(opts.logs ? { logs: opts.logs } : {}),
      recordEvents: opts.recordEvents ?? true,
      ...(ca ? { identity: (id: string) => ca.identity(id) } : {}),
      ...(opts.onStart ? { onStart: opts.onStart } : {}),
    });
    this.#join = opts.join ?? true;
    for (let i = 0; i < opts.nodes; i++) this.addNode(i, this.#join);
  }

  addNode(i: number, join: boolean): void {
    this.add(i, join && i !== 0 ? [NodeSimCluster.addr(0)] : []);
  }
}
