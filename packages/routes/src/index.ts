/**
 * @trellis/routes — the overlay-route store: overlay networks, replicated route records (one
 * writer each), subnet allocation without a master, and converged route tables; a store
 * plug-in for the gossip node (`routeStore`) with its application API (`RoutesApi`).
 */
export { Overlay, type Slice, type OverlayConfig } from './overlay.js';
export { vtepMac } from './vtep-mac.js';
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
  routeFields,
  routeSchema,
} from './route-record.js';
export { type RouteEntry, toRouteEntry, sameRoute } from './route-entry.js';
export { occupies, beats, holders } from './claims.js';
export {
  routeAddressRefusal,
  checkPublishOptions,
  isUnicastUnderlay,
  isUnicastMac,
  isLoopbackIp,
} from './route-admission.js';
export { type RoutesConfig, defaultRoutesConfig, parseRoutesConfig } from './routes-config.js';
export { type RoutesEvent, type RoutesChanged, type RoutesStats } from './routes-events.js';
export { RouteStore, type RouteStoreOptions } from './route-store.js';
export { type PublishOptions, type LocalRoute } from './slice-claims.js';
export { chooseSlice, type SliceChoice, type SliceChoiceInput } from './slice-choice.js';
export { RoutesApi, type RoutesApiEvents, type ContainerHalf } from './routes-api.js';
export { routeStore, type RouteStoreInput } from './route-plugin.js';
