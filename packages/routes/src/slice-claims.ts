import type { Instant, Logger } from '@trellis/runtime';
import type { StoreContext } from '@trellis/store';
import type { Overlay } from './overlay.js';
import { vtepMac } from './vtep-mac.js';
import { routeStates, type RouteWire } from './route-record.js';
import { toRouteEntry, type RouteEntry } from './route-entry.js';
import type { RoutesConfig } from './routes-config.js';
import { SliceExhaustedError } from './routes-errors.js';
import type { RoutesEvent } from './routes-events.js';
import { chooseSlice } from './slice-choice.js';

export interface PublishOptions {
  /** This host's underlay IPv4 address: where VXLAN packets for our containers go. */
  readonly underlayIp: string;
  /** Override the VTEP IP derived from the slice (44.128.0.0/20 + index + 1 by default). */
  readonly vtepIp?: string;
  /** Override the MAC derived from the VTEP IP (70:b3:d5 + its low 24 bits). */
  readonly vtepMac?: string;
  /**
   * A slice this agent held before a restart, read back from its own kernel (its VTEP is still
   * configured). Continued as settled if nobody else holds it in our view, so a restart changes
   * nothing for peers; a competing settled claim with an earlier claim time still wins.
   */
  readonly resumeSlice?: number;
}

/** Our own state on one overlay. */
export interface LocalRoute {
  readonly overlay: string;
  /** pending: waiting for the join to bring the cluster's claims before choosing a slice. */
  readonly state: 'pending' | 'claimed' | 'settled' | 'exhausted';
  /** Usable only when `state` is settled. */
  readonly route: RouteEntry | undefined;
}

/** What the claims need from the route store they belong to. */
export interface SliceClaimsDeps {
  readonly ctx: StoreContext;
  readonly config: RoutesConfig;
  readonly log: Logger;
  /** Our record of this life on an overlay, if any. */
  current(overlay: string): RouteWire | undefined;
  /** Our record of a previous life on an overlay (adopted), if one reached us. */
  previous(overlay: string): RouteWire | undefined;
  publish(now: Instant, draft: RouteWire): RouteWire;
  withdraw(now: Instant, overlay: string): void;
  /** The winning claim of every occupied slice of `overlay`. */
  taken(now: Instant, overlay: Overlay): ReadonlyMap<number, RouteWire>;
  emit(e: RoutesEvent): void;
  due(at: Instant): void;
  markDirty(now: Instant): void;
}

interface Claim {
  readonly overlay: Overlay;
  opts: PublishOptions;
  exhausted: boolean;
  /** Bumped on every new claim: a sync started for an older claim does not settle this one. */
  epoch: number;
  /** A push-pull exchange completed after the settle period of the current claim. */
  synced: boolean;
  syncing: boolean;
}

/**
 * Subnet allocation without a master: our claims on overlay slices. A claim picks a free slice,
 * settles once it stood unchallenged for `settleMs` and one anti-entropy exchange brought
 * everything a peer knows, and is given up (for another slice) when an earlier claim wins.
 */
export class SliceClaims {
  readonly #d: SliceClaimsDeps;
  readonly #claims = new Map<string, Claim>();
  readonly #stats = { claims: 0, conflictsLost: 0, exhausted: 0 };
  /** False while joining: a slice chosen from an empty view collides with half the cluster. */
  #ready = true;

  constructor(deps: SliceClaimsDeps) {
    this.#d = deps;
  }

  publish(now: Instant, overlay: Overlay, opts: PublishOptions): LocalRoute {
    const current = this.#d.current(overlay.name);
    const existing = this.#claims.get(overlay.name);
    if (existing !== undefined && current !== undefined) {
      existing.opts = opts;
      const vi = opts.vtepIp ?? overlay.recordVtepIp(current.s);
      this.#d.publish(now, { ...current, u: opts.underlayIp, vi, vm: opts.vtepMac ?? vtepMac(vi) });
      return this.local(overlay)!;
    }
    const claim: Claim = { overlay, opts, exhausted: false, epoch: 0, synced: false, syncing: false };
    this.#claims.set(overlay.name, claim);
    if (!this.#ready) return this.local(overlay)!;
    if (!this.#claim(now, claim)) {
      this.#claims.delete(overlay.name);
      throw this.#exhaustion(overlay, undefined);
    }
    return this.local(overlay)!;
  }

  /** Stops claiming on `overlay` (the caller withdraws the record). */
  forget(overlay: string): void {
    this.#claims.delete(overlay);
  }

  /** Do we publish (or wait to publish) on `overlay`? */
  wants(overlay: string): boolean {
    return this.#claims.has(overlay);
  }

  hold(): void {
    this.#ready = false;
  }

  release(now: Instant): void {
    if (this.#ready) return;
    this.#ready = true;
    this.#d.markDirty(now);
  }

  local(overlay: Overlay): LocalRoute | undefined {
    if (!this.#claims.has(overlay.name)) return undefined;
    const record = this.#d.current(overlay.name);
    const name = overlay.name;
    if (record === undefined)
      return { overlay: name, state: this.#ready ? 'exhausted' : 'pending', route: undefined };
    const settled = record.st === routeStates.settled;
    return { overlay: name, state: settled ? 'settled' : 'claimed', route: toRouteEntry(overlay, record) };
  }

  stats(): { claims: number; conflictsLost: number; exhausted: number } {
    return { ...this.#stats };
  }

  /** Our claim on `overlay` against the slice holders: keep it, settle it, or lose it and claim again. */
  settle(now: Instant, overlay: Overlay, h: ReadonlyMap<number, RouteWire>): void {
    const claim = this.#claims.get(overlay.name);
    if (claim === undefined || !this.#ready) return;
    const record = this.#d.current(overlay.name);
    if (record === undefined) {
      if (this.#claim(now, claim)) claim.exhausted = false;
      else this.#exhaustion(overlay, claim);
      return;
    }
    const holder = h.get(record.s);
    if (holder !== undefined && holder.w !== this.#d.ctx.selfId) {
      this.#stats.conflictsLost++;
      this.#d.emit({ type: 'sliceLost', overlay: overlay.name, slice: record.s, to: holder.w });
      this.#d.log.info(
        { overlay: overlay.name, slice: record.s, to: holder.w },
        'slice lost to an earlier claim',
      );
      if (!this.#claim(now, claim)) {
        // Stop occupying the slice we lost; keep trying as slices free up.
        this.#d.withdraw(now, overlay.name);
        this.#exhaustion(overlay, claim);
      }
      return;
    }
    if (record.st !== routeStates.claimed) return;
    const settleAt = record.c + this.#d.config.settleMs;
    if (settleAt > now) return this.#d.due(settleAt);
    if (!this.#syncBeforeSettling(now, claim)) return;
    const settled = this.#d.publish(now, { ...record, st: routeStates.settled });
    this.#d.emit({ type: 'sliceSettled', overlay: overlay.name, route: toRouteEntry(overlay, settled) });
  }

  /** Claims a free slice (our previous life's first, else the kernel's, else a random one). */
  #claim(now: Instant, claim: Claim): boolean {
    const { overlay, opts } = claim;
    const choice = chooseSlice({
      overlay,
      selfId: this.#d.ctx.selfId,
      taken: this.#d.taken(now, overlay),
      previous: this.#d.previous(overlay.name),
      resumeSlice: opts.resumeSlice,
      now,
      rng: this.#d.ctx.rng,
    });
    if (choice === undefined) return false;
    const vi = opts.vtepIp ?? overlay.recordVtepIp(choice.slice);
    // A slice held and settled in our previous life continues settled: peers see no blip.
    // Its version is set above whatever the table holds under our key (our tombstone, our
    // previous life): a claim that sorted below it would be ignored by peers.
    const record = this.#d.publish(now, {
      t: 'r',
      o: overlay.name,
      w: this.#d.ctx.selfId,
      g: 0,
      v: 0,
      st: choice.continued?.st ?? routeStates.claimed,
      c: choice.continued?.c ?? Math.floor(now),
      s: choice.slice,
      u: opts.underlayIp,
      vi,
      vm: opts.vtepMac ?? vtepMac(vi),
    });
    this.#stats.claims++;
    claim.epoch++;
    claim.synced = false;
    claim.syncing = false;
    if (record.st === routeStates.claimed) {
      this.#d.emit({ type: 'sliceClaimed', overlay: overlay.name, slice: choice.slice });
      this.#d.due(now + this.#d.config.settleMs);
    }
    return true;
  }

  /**
   * One digest exchange at the end of the settle period: the last look before using the slice.
   * Gossip alone can lag by seconds in a boot storm; the exchange brings all a peer knows.
   */
  #syncBeforeSettling(now: Instant, claim: Claim): boolean {
    if (claim.synced) return true;
    if (claim.syncing) return false;
    claim.syncing = true;
    const epoch = claim.epoch;
    const started = this.#d.ctx.sync(now, (at) => {
      if (claim.epoch !== epoch) return;
      claim.syncing = false;
      claim.synced = true;
      this.#d.markDirty(at);
    });
    if (!started) {
      claim.syncing = false;
      claim.synced = true;
    }
    return claim.synced;
  }

  /** The exhaustion error; the event and counter once per episode of a claim. */
  #exhaustion(overlay: Overlay, claim: Claim | undefined): SliceExhaustedError {
    const error = new SliceExhaustedError(overlay.name, overlay.claimableSlices, overlay);
    if (claim?.exhausted !== true) {
      if (claim !== undefined) claim.exhausted = true;
      this.#stats.exhausted++;
      this.#d.emit({ type: 'slicesExhausted', overlay: overlay.name, message: error.message });
    }
    return error;
  }
}
