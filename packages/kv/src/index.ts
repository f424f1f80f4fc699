/**
 * @trellis/kv — replicated key-value tables for the application's own data, as store plug-ins
 * of the gossip node (`node.kv(name, { mode })`): `owned` (each node writes its own keys;
 * NetworkDB's model) or `shared` (last writer wins by a hybrid logical clock, node id as the
 * tie-break).
 */
export { KvTable, kvStore, type KvTableEvents } from './kv-table.js';
export { type KvEntry, type KvChanged, type KvEvent, type KvStats } from './kv-entry.js';
export { type KvConfig, type KvMode, defaultKvConfig, parseKvConfig, isTableName } from './kv-config.js';
export {
  type OwnedKvWire,
  type SharedKvWire,
  type KvRejectReason,
  kvStates,
  ownedKey,
  ownedSchema,
  sharedSchema,
} from './kv-record.js';
export { OwnedKvStore } from './owned-kv-store.js';
export { SharedKvStore } from './shared-kv-store.js';
export { HybridClock } from './hlc.js';
