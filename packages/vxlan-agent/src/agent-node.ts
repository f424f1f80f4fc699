import type { GossipNode } from '@trellis/node';
import type { RoutesApi } from '@trellis/routes';
import type { TasksApi } from '@trellis/tasks';

/** The agent's gossip node: membership, the route store and the task store. */
export type AgentNode = GossipNode<{ readonly routes: RoutesApi; readonly tasks: TasksApi }>;
