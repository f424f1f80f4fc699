import { createNode, type GossipNode } from '@trellis/node';
import {
  isLoopbackIp,
  routeStore,
  type RouteStoreInput,
  type RoutesApi,
  type RoutesConfig,
} from '@trellis/routes';
import type { Logger } from '@trellis/runtime';
import { taskStore, type AddressCheck, type TasksApi, type TasksConfig } from '@trellis/tasks';
import type { LoadedAgentConfig } from './config/load-config.js';

/** The agent's gossip node: membership, the route store and the task store. */
export type AgentNode = GossipNode<{ readonly routes: RoutesApi; readonly tasks: TasksApi }>;

/** The gossip node of a checked config, routing its overlays and carrying its tasks. */
export async function createAgentNode(loaded: LoadedAgentConfig, log: Logger): Promise<AgentNode> {
  const { config, keyring, identity } = loaded;
  const stores = agentStores(config.overlays, routesConfig(loaded), config.tasks);
  const node = await createNode({
    id: config.nodeId,
    bind: config.bind,
    ...(config.advertise === undefined ? {} : { advertise: config.advertise }),
    seeds: config.seeds,
    profile: config.profile,
    // An agent never gives up joining: its seeds may come up after it (a cluster booting).
    swim: { joinAttemptsMax: 0, ...config.swim },
    keyring,
    identity,
    label: config.label,
    stores: stores.plugins,
    logger: log,
  });
  stores.attach(node);
  return node;
}

/**
 * The agent's store plug-ins. A remote task is seen (and answered by DNS) only while its agent
 * holds a settled slice of each of its networks with the task's addresses in it: nobody names
 * addresses of another agent's slice, or of no overlay at all. `attach` connects the check to
 * the node's route store once the node exists, and looks again whenever the route tables
 * change (a task may arrive before its agent's route).
 */
export function agentStores(
  overlays: RouteStoreInput['overlays'],
  routes: Partial<RoutesConfig> = {},
  tasks: Partial<TasksConfig> = {},
) {
  let table: RoutesApi | undefined;
  const addressCheck: AddressCheck = (owner, network, ipv4, ipv6) =>
    table?.holdsAddresses(owner, network, ipv4, ipv6) ?? false;
  return {
    plugins: {
      routes: routeStore({ overlays, config: routes }),
      tasks: taskStore(tasks, { addressCheck }),
    },
    attach(node: AgentNode): void {
      table = node.stores.routes;
      table.on('changed', () => node.stores.tasks.recheck());
      node.stores.tasks.recheck();
    },
  };
}

/**
 * The route store's settings: an agent whose own underlay is a loopback address runs in a
 * cluster on one host (a test, a demo), where its peers' loopback underlays are real; elsewhere
 * they are refused. An explicit `routes.loopbackUnderlay` wins.
 */
function routesConfig(loaded: LoadedAgentConfig): Partial<RoutesConfig> {
  const own = loaded.config.routes;
  if (own.loopbackUnderlay !== undefined || !isLoopbackIp(loaded.underlay.ip)) return own;
  return { ...own, loopbackUnderlay: true };
}
