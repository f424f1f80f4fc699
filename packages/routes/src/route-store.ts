import { InvalidArgumentError, type Address, type Instant } from '@trellis/runtime';
import { ConvergedView, OwnerRegisterStore, type NodeSignal, type StoreContext } from '@trellis/store';
import { beats, holders, occupies } from './claims.js';
import type { Overlay } from './overlay.js';
import { checkPublishOptions, routeAddressRefusal } from './route-admission.js';
import {
  routeKey,
  routeSchema,
  routeStates,
  type RouteRejectReason,
  type RouteWire,
  routeFields,
} from './route-record.js';
import { sameRoute, toRouteEntry, type RouteEntry } from './route-entry.js';
import { parseRoutesConfig, type RoutesConfig } from './routes-config.js';
import type { RoutesEvent, RoutesStats } from './routes-events.js';
import { SliceClaims, type LocalRoute, type PublishOptions } from './slice-claims.js';

export interface RouteStoreOptions {
  readonly ctx: StoreContext;
  readonly overlays: readonly Overlay[];
  readonly config?: Partial<RoutesConfig>;
}

/**
 * The overlay-route store: an owner-register store of route records (one per agent and
 * overlay), our own claims on overlay slices (claim, settle, lose, re-claim, exhaust), and the
 * converged route table of every configured overlay with a diff event on every change.
 */
export class RouteStore extends OwnerRegisterStore<RouteWire, RouteRejectReason, RoutesEvent> {
  readonly config: RoutesConfig;
  readonly #overlays = new Map<string, Overlay>();
  readonly #claims: SliceClaims;
  /** The same records by overlay, then owner: recomputing one overlay must not scan all. */
  readonly #byOverlay = new Map<string, Map<string, RouteWire>>();
  readonly #views = new Map<string, ConvergedView<RouteEntry>>();
  /** Records are immutable, so their materialized entries can be cached (no garbage per recompute). */
  readonly #entries = new WeakMap<RouteWire, RouteEntry>();
  /** Last computed holder of each slice, per overlay: conflicts are spotted as records arrive. */
  readonly #holdersOf = new Map<string, Map<number, RouteWire>>();

  constructor(opts: RouteStoreOptions) {
    const config = parseRoutesConfig(opts.config);
    super({
      ctx: opts.ctx,
      tag: 'r',
      schema: routeSchema,
      fields: routeFields,
      config,
      index: {
        stored: (r) => {
          let owners = this.#byOverlay.get(r.o);
          if (owners === undefined) this.#byOverlay.set(r.o, (owners = new Map<string, RouteWire>()));
          owners.set(r.w, r);
        },
        removed: (r) => this.#byOverlay.get(r.o)?.delete(r.w),
      },
      admit: (r) => routeAddressRefusal(r, this.#overlays.get(r.o), this.config.loopbackUnderlay),
    });
    this.config = config;
    for (const o of opts.overlays) {
      this.#overlays.set(o.name, o);
      this.#views.set(o.name, new ConvergedView(sameEntry));
    }
    this.#claims = new SliceClaims({
      ctx: opts.ctx,
      config,
      log: this.log,
      current: (name) => this.#current(name),
      previous: (name) => {
        const r = this.ownRecord(routeKey(name, this.ctx.selfId));
        return r !== undefined && r.g < this.ctx.generation ? r : undefined;
      },
      publish: (now, r) => this.publishOwn(now, r),
      withdraw: (now, name) => this.withdrawOwn(now, routeKey(name, this.ctx.selfId)),
      taken: (now, overlay) => this.#holders(now, overlay),
      emit: (e) => this.emit(e),
      due: (at) => this.due(at),
      markDirty: (now) => this.markDirty(now),
    });
  }

  get overlays(): Overlay[] {
    return [...this.#overlays.values()];
  }

  /** Claims a slice of `overlay` for this agent (or updates our published addresses). */
  publish(now: Instant, overlayName: string, opts: PublishOptions): LocalRoute {
    const overlay = this.#overlay(overlayName);
    checkPublishOptions(overlay, opts);
    return this.#claims.publish(now, overlay, opts);
  }

  /** Withdraws our route on `overlay`: a versioned tombstone, gossiped like any change. */
  withdraw(now: Instant, overlayName: string): void {
    this.#claims.forget(overlayName);
    if (this.#current(overlayName) !== undefined)
      this.withdrawOwn(now, routeKey(overlayName, this.ctx.selfId));
  }

  override leave(now: Instant): void {
    for (const name of this.#overlays.keys()) this.#claims.forget(name);
    super.leave(now);
  }

  override handleSignal(now: Instant, signal: NodeSignal): void {
    super.handleSignal(now, signal);
    // Choose slices from the seed's view of the cluster, not from an empty one; once the join
    // is done, or nobody answered for a while, an isolated agent still gets a slice.
    if (signal.type === 'joining') this.#claims.hold();
    else if (
      signal.type === 'joined' ||
      signal.type === 'joinFailed' ||
      (signal.type === 'joinAttemptFailed' && signal.attempt >= 3)
    )
      this.#claims.release(now);
  }

  local(overlayName: string): LocalRoute | undefined {
    const overlay = this.#overlays.get(overlayName);
    return overlay === undefined ? undefined : this.#claims.local(overlay);
  }

  /** The converged table of `overlay`: remote, live agents' settled routes, by owner. */
  routes(overlayName: string): RouteEntry[] {
    this.#overlay(overlayName);
    return [...(this.#views.get(overlayName)?.values() ?? [])].sort((a, b) => (a.owner < b.owner ? -1 : 1));
  }

  /**
   * Does remote `owner` hold `ipv4` and `ipv6` ('' for none) on `overlayName`: a settled route
   * there in the converged table, both addresses inside its slice? False for an overlay we do
   * not route. What a task store's `addressCheck` asks.
   */
  holdsAddresses(owner: string, overlayName: string, ipv4: string, ipv6: string): boolean {
    const overlay = this.#overlays.get(overlayName);
    const entry = this.#views.get(overlayName)?.get(owner);
    if (overlay === undefined || entry === undefined) return false;
    return [ipv4, ipv6].every((ip) => ip === '' || overlay.sliceHas(entry.slice, ip));
  }

  /** The record `owner` holds on `overlay` in the replicated table (tombstones included). */
  record(overlayName: string, owner: string): RouteWire | undefined {
    return this.table.get(routeKey(overlayName, owner));
  }

  stats(): RoutesStats {
    return { ...this.baseStats(), ...this.#claims.stats() };
  }

  protected override tombstoneOf(r: RouteWire): RouteWire {
    return { ...r, st: routeStates.withdrawn };
  }

  protected override rejectedEvent(from: Address, reason: string): RoutesEvent {
    return { type: 'routeRejected', from, reason };
  }

  /** A claim of our previous life that a pending publish may still continue stays adopted. */
  protected override onAdoptionExpired(now: Instant, key: string): void {
    const r = this.table.get(key);
    if (r !== undefined && this.#claims.wants(r.o)) return;
    super.onAdoptionExpired(now, key);
  }

  /**
   * The first node to see two live claims on one slice tells the loser directly, in one hop,
   * instead of leaving it to gossip that may lag behind the loser's settle period.
   */
  protected override onApplied(now: Instant, r: RouteWire): void {
    if (r.st === routeStates.withdrawn || !this.#overlays.has(r.o)) return;
    const h = this.#holdersOf.get(r.o)?.get(r.s);
    const { selfId, liveness } = this.ctx;
    if (h === undefined || h.w === r.w) return;
    if (!occupies(h, selfId, liveness, now, this.config.reclaimMs)) return;
    const [winner, loser] = beats(r, h) ? [r, h] : [h, r];
    if (loser.w === selfId) return; // our own recompute handles it
    const addr = liveness.member(loser.w)?.addr;
    if (addr !== undefined) this.ctx.sendTo(addr, winner);
  }

  protected override recompute(now: Instant): void {
    for (const overlay of this.#overlays.values()) {
      // Our own claim never changes who holds another owner's slice, so one pass serves both.
      const h = this.#holders(now, overlay);
      this.#holdersOf.set(overlay.name, h);
      this.#claims.settle(now, overlay, h);
      this.#converge(now, overlay, h);
    }
  }

  #converge(now: Instant, overlay: Overlay, h: ReadonlyMap<number, RouteWire>): void {
    const next = new Map<string, RouteEntry>();
    for (const r of this.#forOverlay(overlay.name)) {
      if (r.w === this.ctx.selfId || h.get(r.s) !== r || r.s >= overlay.sliceCount) continue;
      if (r.st === routeStates.settled && this.visible(r.w, now)) next.set(r.w, this.#entry(overlay, r));
    }
    const diff = this.#views.get(overlay.name)!.replace(next);
    if (diff !== undefined) this.emit({ type: 'routesChanged', overlay: overlay.name, ...diff });
  }

  /** Winning live claims per slice; also arms the timers for dead owners' grace and reclaim. */
  #holders(now: Instant, overlay: Overlay): Map<number, RouteWire> {
    const { graceMs, reclaimMs } = this.config;
    const { selfId, liveness } = this.ctx;
    return holders(this.#forOverlay(overlay.name), (r) => {
      // A slice index past the overlay's end (a peer configured a bigger one) holds nothing here.
      if (r.s >= overlay.sliceCount) return false;
      if (r.w !== selfId && liveness.member(r.w)?.status === 'dead') {
        const since = liveness.since(r.w) ?? now;
        if (since + graceMs > now) this.due(since + graceMs);
        else if (since + reclaimMs > now) this.due(since + reclaimMs);
      }
      return occupies(r, selfId, liveness, now, reclaimMs);
    });
  }

  /** Our record of this life on `overlayName` (a previous life's is only adopted, not ours). */
  #current(overlayName: string): RouteWire | undefined {
    const r = this.ownRecord(routeKey(overlayName, this.ctx.selfId));
    return r !== undefined && r.g >= this.ctx.generation ? r : undefined;
  }

  #forOverlay(name: string): IterableIterator<RouteWire> {
    return (this.#byOverlay.get(name) ?? new Map<string, RouteWire>()).values();
  }

  #overlay(name: string): Overlay {
    const o = this.#overlays.get(name);
    if (o === undefined) {
      throw new InvalidArgumentError(
        `unknown overlay ${JSON.stringify(name)}; configured: ${[...this.#overlays.keys()].join(', ')}`,
      );
    }
    return o;
  }

  #entry(overlay: Overlay, r: RouteWire): RouteEntry {
    let e = this.#entries.get(r);
    if (e === undefined) this.#entries.set(r, (e = toRouteEntry(overlay, r)));
    return e;
  }
}

function sameEntry(a: RouteEntry, b: RouteEntry): boolean {
  return sameRoute(a, b) && a.generation === b.generation;
}
