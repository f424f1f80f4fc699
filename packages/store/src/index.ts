/**
 * @trellis/store — how a replicated table plugs into the gossip node (the `Store` contract, its
 * context and plug-in factory), and the generic owner-register store that routes, tasks and
 * owned `kv` tables are built on. Sans-IO.
 */
export { type Store, type NodeSignal } from './store.js';
export { type StoreContext, type Liveness, type ReplyHandler } from './store-context.js';
export { type StorePlugin, type StoreBinding, type StoreHost, type StoreApis } from './store-plugin.js';
export { StoreRegistrationError } from './store-errors.js';
export { ConvergedView, type ViewDiff } from './converged-view.js';
export {
  type RecordSignature,
  type SignedRecord,
  type SignatureReason,
  signedPayload,
  signRecord,
  signatureHolds,
  parseSignatureField,
  withSignature,
} from './record-signature.js';
export {
  type OwnerRegisterConfig,
  checkOwnerRegisterConfig,
  checkKnownKeys,
} from './owner-register-config.js';
export { ownerVisible, ownerGone, type OwnerRules } from './owner-liveness.js';
export { boundsRefusal, versionMax, clockSkewMaxMsDefault, type BoundsRefusal } from './record-bounds.js';
export { TableStore, type TableStoreOptions } from './table-store.js';
export {
  OwnerRegisterStore,
  type OwnedRecord,
  type OwnerRegisterOptions,
  type OwnerRegisterStats,
  type OwnerRefusal,
} from './owner-register-store.js';
