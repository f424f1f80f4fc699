import type { Instant } from '@trellis/runtime';
import type { Store } from './store.js';
import type { StoreContext } from './store-context.js';

/** The node's side of local commands: how a store's API acts on the running node. */
export interface StoreHost {
  /**
   * Runs a local command (publish, withdraw, set...) at the node's current time, then lets the
   * node send what the command queued and deliver the events it raised, even if it throws.
   */
  run<T>(command: (now: Instant) => T): T;
}

/** A store as registered on one node: the sans-IO core, and the face the application uses. */
export interface StoreBinding<Api, E = unknown> {
  readonly store: Store<E>;
  readonly api: Api;
  /** One of the store's events, in order: the API re-emits it to the application. */
  deliver(event: E): void;
}

/**
 * A kind of store, configured (and validated) once, created for every node that uses it:
 * `createNode({ stores: { routes: routeStore({ overlays }) } })`. Creating one has no side
 * effect; the node registers the store it returns.
 */
export interface StorePlugin<Api, E = unknown> {
  create(ctx: StoreContext, host: StoreHost): StoreBinding<Api, E>;
}

/** The APIs of a map of plugins: `{ routes: routeStore() }` gives `{ routes: RoutesApi }`. */
export type StoreApis<P> = {
  readonly [K in keyof P]: [P[K]] extends [never]
    ? never
    : P[K] extends StorePlugin<infer A, infer _E>
      ? A
      : never;
};
