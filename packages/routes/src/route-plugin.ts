import type { StorePlugin } from '@trellis/store';
import { Overlay } from './overlay.js';
import { parseOverlays, type OverlayInput } from './overlay-config.js';
import { RouteStore } from './route-store.js';
import { RoutesApi } from './routes-api.js';
import { parseRoutesConfig, type RoutesConfig } from './routes-config.js';
import type { RoutesEvent } from './routes-events.js';

export interface RouteStoreInput {
  /** The overlay networks this node routes (JSON-style inputs are validated, every problem listed). */
  readonly overlays: readonly (OverlayInput | Overlay)[];
  /** Settle, grace, reclaim and reap periods, bounds. */
  readonly config?: Partial<RoutesConfig>;
}

/**
 * The route store as a node plug-in:
 * `createNode({ ..., stores: { routes: routeStore({ overlays: [{ name: 'dcos', subnet: '9.0.0.0/8' }] }) } })`,
 * then `node.stores.routes`. Overlays and settings are validated here, before any node starts
 * (a `ConfigError` listing every problem).
 */
export function routeStore(input: RouteStoreInput): StorePlugin<RoutesApi, RoutesEvent> {
  const overlays = toOverlays(input.overlays);
  const config = parseRoutesConfig(input.config);
  return {
    create(ctx, host) {
      const store = new RouteStore({ ctx, overlays, config });
      const api = new RoutesApi(store, host);
      return { store, api, deliver: (e) => api.deliver(e) };
    },
  };
}

/** The overlays as `Overlay` values; a mixed list is re-parsed whole, so conflicts between them show. */
export function toOverlays(input: unknown): Overlay[] {
  // JavaScript callers can pass anything: parseOverlays says what is wrong with it.
  if (!Array.isArray(input)) return parseOverlays(input);
  const list = input as readonly unknown[];
  if (list.every((o) => o instanceof Overlay)) return [...list] as Overlay[];
  // Mixed lists are re-validated together, so overlaps between them are caught too.
  return parseOverlays(list.map((o) => (o instanceof Overlay ? overlayInputOf(o) : o)));
}

function overlayInputOf(o: Overlay): OverlayInput {
  const { name, subnet, prefixLength, vni, port, vtepSubnet, subnet6, prefixLength6, vtepSubnet6 } = o;
  // Overlays always have one family or both: the input type says so, the constructor asserts it.
  return {
    name,
    vni,
    port,
    ...(subnet === undefined ? {} : { subnet }),
    ...(prefixLength === undefined ? {} : { prefixLength }),
    ...(vtepSubnet === undefined ? {} : { vtepSubnet }),
    ...(subnet6 === undefined ? {} : { subnet6 }),
    ...(prefixLength6 === undefined ? {} : { prefixLength6 }),
    ...(vtepSubnet6 === undefined ? {} : { vtepSubnet6 }),
  } as OverlayInput;
}
