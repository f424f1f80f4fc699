import type { StorePlugin } from '@trellis/store';
import { TaskStore } from './task-store.js';
import { TasksApi } from './tasks-api.js';
import { parseTasksConfig, type TasksConfig } from './tasks-config.js';
import type { TasksEvent } from './tasks-events.js';

/**
 * The task store as a node plug-in: `createNode({ ..., stores: { tasks: taskStore() } })`, then
 * `node.stores.tasks`. Settings are validated here, before any node starts.
 */
export function taskStore(config: Partial<TasksConfig> = {}): StorePlugin<TasksApi, TasksEvent> {
  const parsed = parseTasksConfig(config);
  return {
    create(ctx, host) {
      const store = new TaskStore({ ctx, config: parsed });
      const api = new TasksApi(store, host);
      return { store, api, deliver: (e) => api.deliver(e) };
    },
  };
}
