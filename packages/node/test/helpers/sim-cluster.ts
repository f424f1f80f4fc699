import { memoryLogger, type LogRecord, type Address } from '@trellis/runtime';
import { Simulation, type SimHost, type SimulationOptions } from '@trellis/sim';
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
import { startNode, type GossipNode as AnyGossipNode } from '../../src/gossip-node.js';

/** Every simulated node runs the route store (with the cluster's overlays) and the task store. */
export type GossipNode = AnyGossipNode<{ readonly routes: RoutesApi; readonly tasks: TasksApi }>;
import type { NodeEvent } from '../../src/core/node-core.js';
import { WireCodec } from '../../src/wire/wire-codec.js';
import type { TestCa } from './sim-identity.js';

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

export interface RecordedEvent {
  readonly at: number;
  readonly node: string;
  readonly event: NodeEvent;
}

/** The route-store event inside a recorded node event, if it is one. */
export function routeEvent(e: RecordedEvent): RoutesEvent | undefined {
  return e.event.type === 'storeEvent' && e.event.store === 'routes'
    ? (e.event.event as RoutesEvent)
    : undefined;
}

/** N gossip nodes on the simulator, each a real GossipNode driven by a SimHost. */
export class SimCluster {
  readonly sim: Simulation;
  readonly nodes = new Map<string, GossipNode>();
  readonly events: RecordedEvent[] = [];
  readonly #opts: SimClusterOptions;
  readonly #incarnations = new Map<string, number>();
  /** Plug-ins are configured (and validated) once, and create a fresh store for every node. */
  readonly #stores: { routes: ReturnType<typeof routeStore>; tasks: ReturnType<typeof taskStore> };

  constructor(opts: SimClusterOptions) {
    this.#opts = opts;
    this.#stores = {
      routes: routeStore({ overlays: opts.overlays ?? [], ...(opts.routes ? { config: opts.routes } : {}) }),
      tasks: taskStore(opts.tasks ?? {}),
    };
    this.sim = new Simulation({ seed: opts.seed, ...(opts.network ? { network: opts.network } : {}) });
    for (let i = 0; i < opts.nodes; i++) this.addNode(i, opts.join ?? true);
  }

  static id(i: number): string {
    return `n${i}`;
  }

  static addr(i: number): Address {
    return `10.0.${Math.floor(i / 250)}.${(i % 250) + 1}:7946`;
  }

  addNode(i: number, join: boolean): void {
    const id = SimCluster.id(i);
    this.sim.addHost(SimCluster.addr(i), { onStart: (host) => this.#start(id, host, join && i !== 0) });
  }

  #start(id: string, host: SimHost, join: boolean): void {
    const prev = this.#incarnations.get(id);
    // A restart starts above its previous life, as createNode does with the wall clock.
    const incarnation = Math.max(host.now(), (prev ?? 0) + 1);
    this.#incarnations.set(id, incarnation);
    const logger = this.#opts.logs ? memoryLogger(this.#opts.logs) : undefined;
    const node = startNode({
      id,
      addr: host.localAddress,
      incarnation,
      now: host.now(),
      rng: host.rng,
      ...(this.#opts.profile ? { profile: this.#opts.profile } : {}),
      ...(this.#opts.swim ? { config: this.#opts.swim } : {}),
      stores: this.#stores,
      ...(this.#opts.ca ? { signing: this.#opts.ca.identity(id) } : {}),
      ...(this.#opts.messages ? { messages: this.#opts.messages } : {}),
      transport: host,
      scheduler: host,
      codec: new WireCodec({}),
      envelopeReserveBytes: 2,
      logger: logger ?? memoryLogger([], {}, 0),
      seeds: join ? [SimCluster.addr(0)] : [],
    });
    if (this.#opts.recordEvents ?? true)
      node.on('event', (event) => this.events.push({ at: host.now(), node: id, event }));
    this.nodes.set(id, node);
    this.#opts.onStart?.(node, host);
  }

  node(i: number | string): GossipNode {
    const id = typeof i === 'number' ? SimCluster.id(i) : i;
    const n = this.nodes.get(id);
    if (n === undefined) throw new Error(`no node ${id}`);
    return n;
  }

  /** Running nodes (not crashed). */
  running(): GossipNode[] {
    return [...this.nodes.entries()]
      .filter(([id]) => this.sim.host(this.addrOf(id))?.running === true)
      .map(([, n]) => n);
  }

  addrOf(id: string): Address {
    return SimCluster.addr(Number(id.slice(1)));
  }

  crash(i: number): void {
    this.sim.crash(SimCluster.addr(i));
  }

  restart(i: number): void {
    this.sim.restart(SimCluster.addr(i));
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

  /** Every running node other than `id` holds `id` as dead (or has never... no: as dead). */
  allSeeDead(id: string): boolean {
    return this.running().every((n) => n.id === id || n.member(id)?.status === 'dead');
  }

  firstEvent(pred: (e: RecordedEvent) => boolean): RecordedEvent | undefined {
    return this.events.find(pred);
  }

  ids(): string[] {
    return [...this.nodes.keys()];
  }
}
