/**
 * @trellis/tasks — the replicated task table behind Virtual Network Service DNS: one record per
 * task, written only by the agent that runs it, disseminated and repaired like route records;
 * a store plug-in for the gossip node (`taskStore`) with its application API (`TasksApi`).
 */
export { type TaskEntry, type TaskNetwork } from './task-entry.js';
export { dnsLabel } from './dns-label.js';
export {
  type TaskWire,
  type TaskState,
  type TaskRejectReason,
  taskStates,
  taskLimits,
  taskKey,
  taskSchema,
  validateTaskWire,
  compareTaskWire,
  taskHash,
  taskFields,
  canonicalIp,
} from './task-record.js';
export { type TasksConfig, defaultTasksConfig, parseTasksConfig } from './tasks-config.js';
export { type TasksEvent, type TasksChanged, type TasksStats } from './tasks-events.js';
export { TaskStore, type TaskStoreOptions } from './task-store.js';
export { TasksApi, type TasksApiEvents } from './tasks-api.js';
export { taskStore, type TaskPluginOptions } from './task-plugin.js';
export { type AddressCheck, addressesHold } from './address-check.js';
export { toTaskEntry, type TaskInput } from './task-input.js';
