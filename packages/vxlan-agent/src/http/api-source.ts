import type { AgentNode } from '../agent-node.js';
import type { TaskEntry, TaskInput } from '@trellis/tasks';
import type { Registry } from 'prom-client';
import type { Reconciler } from '../reconciler.js';
import { readOverview, type Overview } from './overview.js';
import type { CniService } from '../cni/cni-service.js';

/** How the kernel follows the converged tables: what `trellis-agent status` shows. */
export interface KernelSync {
  /** The last pass read, diffed and applied everything without error, and nothing was lost since. */
  readonly inSync: boolean;
  readonly passes: number;
  readonly errors: number;
  readonly consecutiveFailures: number;
  readonly lastPassAt: string | null;
  readonly lastSuccessAt: string | null;
  readonly lastError: string | null;
  readonly lastDurationMs: number;
  readonly objectsOwned: number;
  /** Operations the last pass applied: how far the kernel was from the desired state when it began. */
  readonly lastOps: number;
  readonly deletesHeldBack: number;
}

export interface AgentStatus {
  readonly node: string;
  readonly address: string;
  readonly members: Readonly<Record<'alive' | 'suspect' | 'dead' | 'left', number>>;
  readonly overlays: readonly { name: string; routes: number; slice: string | null; state: string }[];
  readonly tasks: { readonly visible: number; readonly local: number };
  readonly kernel: KernelSync | null;
}

/**
 * What the HTTP API reads and writes. The one place that knows the node's shape, so the API
 * follows a reorganised node by changing this file alone.
 */
export interface ApiSource {
  readonly selfId: string;
  status(): AgentStatus;
  members(): readonly unknown[];
  overlays(): readonly unknown[];
  overlayNames(): readonly string[];
  routes(): Readonly<Record<string, readonly unknown[]>>;
  /** Every live agent's tasks, with ours as published this instant (not as last converged). */
  tasks(localOnly: boolean): readonly TaskEntry[];
  hasLocalTask(id: string): boolean;
  /** Throws InvalidArgumentError (every problem listed) for a bad task. */
  publishTask(input: TaskInput): TaskEntry;
  withdrawTask(id: string): boolean;
  metrics(): Promise<{ readonly contentType: string; readonly body: string }>;
  /** What the status page shows, read at one instant. */
  overview(): Promise<Overview>;
  /** The CNI side, when the config has a `cni` section. */
  readonly cni?: CniService;
}

/** Extras: the CNI side, and the DNS zone (so that the status page names each task). */
export function nodeApiSource(
  node: AgentNode,
  registry: Registry,
  reconciler?: Reconciler,
  extras: { readonly cni?: CniService | undefined; readonly dnsZone?: string | undefined } = {},
): ApiSource {
  const { cni, dnsZone } = extras;
  const routesOf = (name: string) => node.stores.routes.table(name);
  const source: ApiSource = {
    ...(cni === undefined ? {} : { cni }),
    selfId: node.id,
    status: () => ({
      node: node.id,
      address: node.address,
      members: node.stats().members,
      overlays: node.stores.routes.overlays.map((o) => {
        const local = node.stores.routes.local(o.name);
        return {
          name: o.name,
          routes: routesOf(o.name).length,
          slice: local?.route?.agentSubnet ?? local?.route?.agentSubnet6 ?? null,
          state: local?.state ?? 'unpublished',
        };
      }),
      tasks: { visible: node.stores.tasks.stats().visible, local: node.stores.tasks.stats().local },
      kernel: reconciler === undefined ? null : kernelSync(reconciler),
    }),
    members: () => node.members(),
    overlays: () =>
      node.stores.routes.overlays.map((o) => ({
        name: o.name,
        subnet: o.subnet,
        prefixLength: o.prefixLength,
        vni: o.vni,
        port: o.port,
        vtepSubnet: o.vtepSubnet,
        // Absent keys are the family the overlay does not have (JSON drops undefined).
        subnet6: o.subnet6,
        prefixLength6: o.prefixLength6,
        vtepSubnet6: o.vtepSubnet6,
        local: node.stores.routes.local(o.name),
      })),
    overlayNames: () => node.stores.routes.overlays.map((o) => o.name),
    routes: () => Object.fromEntries(node.stores.routes.overlays.map((o) => [o.name, routesOf(o.name)])),
    tasks: (localOnly) => {
      const local = node.stores.tasks.local();
      if (localOnly) return local;
      // The converged view is recomputed shortly after a change; ours are known at once.
      const others = node.stores.tasks.list().filter((e) => e.agent !== node.id);
      return [...others, ...local].sort(byAgentThenId);
    },
    hasLocalTask: (id) => node.stores.tasks.local().some((e) => e.id === id),
    publishTask: (input) => node.stores.tasks.publish(input),
    withdrawTask: (id) => node.stores.tasks.withdraw(id),
    metrics: async () => ({ contentType: registry.contentType, body: await registry.metrics() }),
    overview: () => readOverview(source, registry, dnsZone, new Date()),
  };
  return source;
}

function kernelSync(r: Reconciler): KernelSync {
  const s = r.stats;
  const iso = (ms: number) => (ms === 0 ? null : new Date(ms).toISOString());
  return {
    inSync: s.lastSuccessAt !== 0 && s.consecutiveFailures === 0 && !r.needsResync,
    passes: s.passes,
    errors: s.errors,
    consecutiveFailures: s.consecutiveFailures,
    lastPassAt: iso(s.lastPassAt),
    lastSuccessAt: iso(s.lastSuccessAt),
    lastError: s.lastError === '' ? null : s.lastError,
    lastDurationMs: s.lastDurationMs,
    objectsOwned: s.objectsOwned,
    lastOps: s.lastOps,
    deletesHeldBack: s.deletesHeldBack,
  };
}

function byAgentThenId(a: TaskEntry, b: TaskEntry): number {
  if (a.agent !== b.agent) return a.agent < b.agent ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
