import { createNode, type GossipNode } from '@trellis/node';
import { routeStore, type RoutesApi } from '@trellis/routes';
import type { Logger } from '@trellis/runtime';
import { taskStore, type TasksApi } from '@trellis/tasks';
import type { LoadedAgentConfig } from './config/load-config.js';

/** The agent's gossip node: membership, the route store and the task store. */
export type AgentNode = GossipNode<{ readonly routes: RoutesApi; readonly tasks: TasksApi }>;

/** The gossip node of a checked config, routing its overlays and carrying its tasks. */
export function createAgentNode(loaded: LoadedAgentConfig, log: Logger): Promise<AgentNode> {
  const { config, keyring, identity } = loaded;
  return createNode({
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
    stores: {
      routes: routeStore({ overlays: config.overlays, config: config.routes }),
      tasks: taskStore(config.tasks),
    },
    logger: log,
  });
}
