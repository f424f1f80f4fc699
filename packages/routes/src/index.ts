/**
 * @trellis/routes — the overlay-route store: overlay networks, replicated route records (one
 * writer each), subnet allocation without a master, and converged route tables. Sans-IO.
 */
export { Overlay, type Slice, type OverlayConfig, vtepMac } from './overlay.js';
export {
  type OverlayInput,
  defaultOverlayInput,
  parseOverlay,
  parseOverlays,
  prefixLengthMax,
  prefixLength6Max,
} from './overlay-config.js';
export {
  ContainerAllocator,
  type ContainerAllocatorOptions,
  capacityMaxDefault,
} from './container-allocator.js';
export { type SliceSource } from './routes-errors.js';
export { SliceExhaustedError, AddressExhaustedError } from './routes-errors.js';
export {
  type RouteWire,
  type RouteState,
  type RouteRejectReason,
  type RouteValidation,
  routeStates,
  routeRejectReasons,
  validateRouteWire,
  compareRouteWire,
  joinRouteWire,
  routeKey,
  routeHash,
} from './route-record.js';
export { RouteTable, type RouteTableOptions, type RouteMergeOutcome } from './route-table.js';
export { type RouteEntry, toRouteEntry, sameRoute } from './route-entry.js';
export { type Liveness, occupies, beats, holders, routable } from './claims.js';
export { type RoutesConfig, defaultRoutesConfig, parseRoutesConfig } from './routes-config.js';
export { type RoutesEvent, type RoutesChanged, type RoutesStats } from './routes-events.js';
export { RouteStore, type RouteStoreOptions, type PublishOptions, type LocalRoute } from './route-store.js';
export { diffTables } from './table-diff.js';
