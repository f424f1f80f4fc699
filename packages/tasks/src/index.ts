/**
 * @trellis/tasks — the replicated task table behind Virtual Network Service DNS.
 */
export { type TaskEntry, type TaskNetwork } from './task-entry.js';
export { dnsLabel } from './dns-label.js';
