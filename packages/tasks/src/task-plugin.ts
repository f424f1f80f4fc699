import type { StorePlugin } from '@trellis/store';
import { TaskStore } from './task-store.js';
import { TasksApi } from './tasks-api.js';
import { parseTasksConfig, type TasksConfig } from './tasks-config.js';
import type { TasksEvent } from './tasks-events.js';
import type { AddressCheck } from './address-check.js';

export interface TaskPluginOptions {
  /** Are a remote task's addresses its agent's to give? Absent: every task's are. */
  readonly addressCheck?: AddressCheck;
}

/**
 * The task store as a node plug-in: `createNode({ ..., stores: { tasks: taskStore() } })`, then
 * `node.stores.tasks`. Settings are validated here, before any node starts.
 */
export function taskStore(
  config: Partial<TasksConfig> = {},
  options: TaskPluginOptions = {},
): StorePlugin<TasksApi, TasksEvent> {
  const parsed = parseTasksConfig(config);
  const check = options.addressCheck;
  return {
    create(ctx, host) {
      const store = new TaskStore({
        ctx,
        config: parsed,
        ...(check === undefined ? {} : { addressCheck: check }),
      });
      const api = new TasksApi(store, host);
      return { store, api, deliver: (e) => api.deliver(e) };
    },
  };
}
