import {
  InvalidArgumentError,
  silentLogger,
  type Address,
  type Instant,
  type Logger,
  type Rng,
} from '@trellis/runtime';
import { beats, holders, occupies, routable, type Liveness } from './claims.js';
import { vtepMac, type Overlay } from './overlay.js';
import { routeStates, type RouteWire } from './route-record.js';
import { toRouteEntry, type RouteEntry } from './route-entry.js';
import { RouteTable } from './route-table.js';
import { parseRoutesConfig, type RoutesConfig } from './routes-config.js';
import { SliceExhaustedError } from './routes-errors.js';
import type { RoutesEvent, RoutesStats } from './routes-events.js';
import { diffTables } from './table-diff.js';

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

interface Own {
  readonly overlay: Overlay;
  opts: PublishOptions;
  record: RouteWire | undefined;
  exhausted: boolean;
  /** A push-pull exchange completed after the settle period of the current claim. */
  synced: boolean;
  syncing: boolean;
}

export interface RouteStoreOptions {
  readonly selfId: string;
  /** Our record generation: the node's start time in ms, so a restart supersedes its old records. */
  readonly generation: number;
  readonly overlays: readonly Overlay[];
  readonly config?: Partial<RoutesConfig>;
  readonly rng: Rng;
  readonly now: Instant;
  readonly liveness: Liveness;
  /** Hands news to the gossip layer (the node's `routes` broadcast class). */
  readonly broadcast: (key: string, msg: RouteWire) => void;
  /**
   * Runs one anti-entropy exchange with a random peer; false if there is none. A claim settles
   * only after one completed: gossip alone can lag by seconds in a boot storm, a digest
   * exchange brings everything the peer knows.
   */
  readonly sync?: (now: Instant, done: (at: Instant) => void) => boolean;
  /** Sends one record straight to a peer (used to tell a claimant that its claim lost). */
  readonly sendTo?: (addr: Address, msg: RouteWire) => void;
  readonly logger?: Logger;
}

const sweepIntervalMs = 60_000;

/**
 * The overlay-route store, sans-IO: the replicated table of route records, our own claims on
 * overlay slices (claim, settle, lose, re-claim, exhaust), and the converged route table of
 * every configured overlay with a diff event on every change.
 */
export class RouteStore {
  readonly config: RoutesConfig;
  readonly table: RouteTable;
  readonly #selfId: string;
  readonly #generation: number;
  readonly #overlays = new Map<string, Overlay>();
  readonly #own = new Map<string, Own>();
  /** Records of our previous life, adopted until we publish again or the window closes. */
  readonly #previous = new Map<string, { record: RouteWire; until: Instant }>();
  readonly #converged = new Map<string, Map<string, RouteEntry>>();
  /** Records are immutable, so their materialized entries can be cached (no garbage per recompute). */
  readonly #entries = new WeakMap<RouteWire, RouteEntry>();
  readonly #live: Liveness;
  readonly #rng: Rng;
  readonly #broadcast: (key: string, msg: RouteWire) => void;
  readonly #sync: ((now: Instant, done: (at: Instant) => void) => boolean) | undefined;
  readonly #sendTo: ((addr: Address, msg: RouteWire) => void) | undefined;
  /** Last computed holder of each slice, per overlay: conflicts are spotted as records arrive. */
  readonly #holdersOf = new Map<string, Map<number, RouteWire>>();
  readonly #log: Logger;
  readonly #events: RoutesEvent[] = [];
  readonly #stats: RoutesStats = {
    records: 0,
    applied: 0,
    claims: 0,
    conflictsLost: 0,
    exhausted: 0,
    recomputes: 0,
    rejected: {},
  };
  #recomputeAt: Instant | undefined;
  #deadline: Instant | undefined;
  #sweepAt: Instant;
  /** False while joining: a slice chosen from an empty view collides with half the cluster. */
  #ready = true;

  constructor(opts: RouteStoreOptions) {
    this.config = parseRoutesConfig(opts.config);
    this.#selfId = opts.selfId;
    this.#generation = opts.generation;
    for (const o of opts.overlays) this.#overlays.set(o.name, o);
    this.#live = opts.liveness;
    this.#rng = opts.rng;
    this.#broadcast = opts.broadcast;
    this.#sync = opts.sync;
    this.#sendTo = opts.sendTo;
    this.#log = (opts.logger ?? silentLogger).child({ component: 'routes' });
    this.table = new RouteTable(opts.selfId, this.config);
    this.#sweepAt = opts.now + sweepIntervalMs;
  }

  get overlays(): Overlay[] {
    return [...this.#overlays.values()];
  }

  /** Claims a slice of `overlay` for this agent (or updates our published addresses). */
  publish(now: Instant, overlayName: string, opts: PublishOptions): LocalRoute {
    const overlay = this.#overlay(overlayName);
    let own = this.#own.get(overlayName);
    if (own?.record !== undefined) {
      own.opts = opts;
      const vi = opts.vtepIp ?? overlay.vtepIp(own.record.s);
      this.#setOwn(now, {
        ...own.record,
        v: own.record.v + 1,
        u: opts.underlayIp,
        vi,
        vm: opts.vtepMac ?? vtepMac(vi),
      });
      return this.local(overlayName)!;
    }
    own = { overlay, opts, record: undefined, exhausted: false, synced: false, syncing: false };
    this.#own.set(overlayName, own);
    if (!this.#ready) return this.local(overlayName)!;
    if (!this.#claim(now, own)) {
      this.#own.delete(overlayName);
      throw this.#exhaustion(overlay);
    }
    return this.local(overlayName)!;
  }

  /** Withdraws our route on `overlay`: a versioned tombstone, gossiped like any change. */
  withdraw(now: Instant, overlayName: string): void {
    const own = this.#own.get(overlayName);
    this.#own.delete(overlayName);
    if (own?.record === undefined) return;
    this.#setOwn(now, { ...own.record, v: own.record.v + 1, st: routeStates.withdrawn });
  }

  withdrawAll(now: Instant): void {
    for (const name of [...this.#own.keys()]) this.withdraw(now, name);
  }

  /** Defers claims until `releaseClaims` (the node is joining). */
  holdClaims(): void {
    this.#ready = false;
  }

  /** The join brought the cluster's state: claims waiting for it go ahead. */
  releaseClaims(now: Instant): void {
    if (this.#ready) return;
    this.#ready = true;
    this.markDirty(now);
  }

  local(overlayName: string): LocalRoute | undefined {
    const own = this.#own.get(overlayName);
    if (own === undefined) return undefined;
    if (own.record === undefined && !this.#ready)
      return { overlay: overlayName, state: 'pending', route: undefined };
    if (own.record === undefined) return { overlay: overlayName, state: 'exhausted', route: undefined };
    const settled = own.record.st === routeStates.settled;
    return {
      overlay: overlayName,
      state: settled ? 'settled' : 'claimed',
      route: toRouteEntry(own.overlay, own.record),
    };
  }

  /** The converged table of `overlay`: remote, live agents' settled routes, by owner. */
  routes(overlayName: string): RouteEntry[] {
    this.#overlay(overlayName);
    return [...(this.#converged.get(overlayName)?.values() ?? [])].sort((a, b) =>
      a.owner < b.owner ? -1 : 1,
    );
  }

  /** A record from a peer: gossip or an anti-entropy section. */
  handleRecord(now: Instant, from: Address, raw: unknown): void {
    const outcome = this.table.merge(raw, now);
    switch (outcome.kind) {
      case 'applied':
        this.#stats.applied++;
        this.#broadcast(keyOf(outcome.current), outcome.current);
        this.#notifyConflict(now, outcome.current);
        this.markDirty(now);
        return;
      case 'aboutSelf':
        this.#aboutSelf(now, outcome.remote);
        return;
      case 'unchanged':
        return;
      case 'rejected':
        this.#stats.rejected[outcome.reason] = (this.#stats.rejected[outcome.reason] ?? 0) + 1;
        this.#emit({ type: 'routeRejected', from, reason: outcome.reason });
        return;
    }
  }

  /**
   * The first node to see two live claims on one slice tells the loser directly, in one hop,
   * instead of leaving it to gossip that may lag behind the loser's settle period.
   */
  #notifyConflict(now: Instant, r: RouteWire): void {
    if (this.#sendTo === undefined || r.st === routeStates.withdrawn || !this.#overlays.has(r.o)) return;
    const h = this.#holdersOf.get(r.o)?.get(r.s);
    if (h === undefined || h.w === r.w || !occupies(h, this.#selfId, this.#live, now, this.config.reclaimMs))
      return;
    const [winner, loser] = beats(r, h) ? [r, h] : [h, r];
    if (loser.w === this.#selfId) return; // our own recompute handles it
    const addr = this.#live.addr(loser.w);
    if (addr !== undefined) this.#sendTo(addr, winner);
  }

  /** Membership changed (someone joined, died, left): liveness feeds the tables. */
  markDirty(now: Instant): void {
    if (this.#recomputeAt === undefined) this.#recomputeAt = now + this.config.recomputeDelayMs;
  }

  handleTimeout(now: Instant): void {
    if (this.#sweepAt <= now) {
      this.#sweepAt = now + sweepIntervalMs;
      if (this.table.collect(now).length > 0) this.markDirty(now);
    }
    for (const [name, p] of this.#previous) {
      if (p.until > now) continue;
      // Our previous life's route was not published again: take it down.
      this.#previous.delete(name);
      if (!this.#own.has(name))
        this.#setOwn(now, { ...p.record, g: this.#generation, v: 0, st: routeStates.withdrawn });
    }
    const due = (t: Instant | undefined) => t !== undefined && t <= now;
    if (due(this.#recomputeAt) || due(this.#deadline)) this.#recompute(now);
  }

  pollTimeout(): Instant | undefined {
    let t: Instant = this.#sweepAt;
    if (this.#recomputeAt !== undefined) t = Math.min(t, this.#recomputeAt);
    if (this.#deadline !== undefined) t = Math.min(t, this.#deadline);
    for (const p of this.#previous.values()) t = Math.min(t, p.until);
    return t;
  }

  pollEvent(): RoutesEvent | undefined {
    return this.#events.shift();
  }

  stats(): RoutesStats {
    return { ...this.#stats, records: this.table.size, rejected: { ...this.#stats.rejected } };
  }

  #recompute(now: Instant): void {
    this.#recomputeAt = undefined;
    this.#deadline = undefined;
    this.#stats.recomputes++;
    for (const overlay of this.#overlays.values()) {
      // Our own claim never changes who holds another owner's slice, so one pass serves both.
      const h = this.#holders(now, overlay);
      this.#holdersOf.set(overlay.name, h);
      this.#settleOwn(now, overlay, h);
      this.#converge(now, overlay, h);
    }
  }

  /** Our claim on `overlay`: keep it, settle it, or lose it and claim again. */
  #settleOwn(now: Instant, overlay: Overlay, h: ReadonlyMap<number, RouteWire>): void {
    const own = this.#own.get(overlay.name);
    if (own === undefined || !this.#ready) return;
    const record = own.record;
    if (record === undefined) {
      if (this.#claim(now, own)) own.exhausted = false;
      else this.#exhaustion(overlay);
      return;
    }
    const holder = h.get(record.s);
    if (holder !== undefined && holder.w !== this.#selfId) {
      this.#stats.conflictsLost++;
      this.#emit({ type: 'sliceLost', overlay: overlay.name, slice: record.s, to: holder.w });
      this.#log.info(
        { overlay: overlay.name, slice: record.s, to: holder.w },
        'slice lost to an earlier claim',
      );
      if (!this.#claim(now, own)) {
        // Stop occupying the slice we lost; keep trying as slices free up.
        this.#setOwn(now, { ...record, v: record.v + 1, st: routeStates.withdrawn });
        own.record = undefined;
        this.#exhaustion(overlay);
      }
      return;
    }
    if (record.st !== routeStates.claimed) return;
    const settleAt = record.c + this.config.settleMs;
    if (settleAt <= now && !this.#syncBeforeSettling(now, own, record)) return;
    if (settleAt <= now) {
      const settled = { ...record, v: record.v + 1, st: routeStates.settled };
      this.#setOwn(now, settled);
      this.#emit({ type: 'sliceSettled', overlay: overlay.name, route: toRouteEntry(overlay, settled) });
    } else this.#due(settleAt);
  }

  #converge(now: Instant, overlay: Overlay, h: ReadonlyMap<number, RouteWire>): void {
    const next = new Map<string, RouteEntry>();
    for (const r of this.table.forOverlay(overlay.name)) {
      if (r.w === this.#selfId || h.get(r.s) !== r || r.s >= overlay.sliceCount) continue;
      if (routable(r, this.#live, now, this.config.graceMs)) next.set(r.w, this.#entry(overlay, r));
    }
    const prev = this.#converged.get(overlay.name) ?? new Map<string, RouteEntry>();
    this.#converged.set(overlay.name, next);
    const diff = diffTables(prev, next);
    if (diff.added.length + diff.removed.length + diff.changed.length > 0) {
      this.#emit({ type: 'routesChanged', overlay: overlay.name, ...diff });
    }
  }

  /** Winning live claims per slice; also arms the timers for dead owners' grace and reclaim. */
  #holders(now: Instant, overlay: Overlay): Map<number, RouteWire> {
    const { graceMs, reclaimMs } = this.config;
    return holders(this.table.forOverlay(overlay.name), (r) => {
      if (this.#live.status(r.w) === 'dead' && r.w !== this.#selfId) {
        const since = this.#live.since(r.w) ?? now;
        if (since + graceMs > now) this.#due(since + graceMs);
        else if (since + reclaimMs > now) this.#due(since + reclaimMs);
      }
      // A slice index past the overlay's end (a peer configured a bigger one) holds nothing here.
      return r.s < overlay.sliceCount && occupies(r, this.#selfId, this.#live, now, reclaimMs);
    });
  }

  /** Claims a free slice (our previous life's first, else a random one). False if none is free. */
  #claim(now: Instant, own: Own): boolean {
    const overlay = own.overlay;
    const taken = this.#holders(now, overlay);
    const prev = this.#previous.get(overlay.name)?.record;
    this.#previous.delete(overlay.name);
    let slice: number | undefined;
    let continued: RouteWire | undefined;
    const ours = (s: number) => taken.get(s)?.w === this.#selfId || !taken.has(s);
    if (
      prev !== undefined &&
      prev.st !== routeStates.withdrawn &&
      prev.s < overlay.claimableSlices &&
      ours(prev.s)
    ) {
      slice = prev.s;
      continued = prev;
    } else if (this.#resumable(own, overlay, ours)) {
      slice = own.opts.resumeSlice!;
      // No record of that life reached us (we may be the first node up): resume from the kernel.
      continued = {
        t: 'r',
        o: overlay.name,
        w: this.#selfId,
        g: 0,
        v: 0,
        st: routeStates.settled,
        c: Math.floor(now),
        s: slice,
        u: '',
        vi: '',
        vm: '',
      };
    } else slice = this.#freeSlice(overlay, taken);
    if (slice === undefined) return false;
    const vi = own.opts.vtepIp ?? overlay.vtepIp(slice);
    const base = {
      t: 'r',
      o: overlay.name,
      w: this.#selfId,
      u: own.opts.underlayIp,
      vi,
      vm: own.opts.vtepMac ?? vtepMac(vi),
    } as const;
    // Above whatever the table holds under our key (our tombstone, our previous life): a claim
    // that sorted below it would be ignored by peers while we went on to use the slice.
    const current = this.table.get(overlay.name, this.#selfId);
    const g = Math.max(this.#generation, current?.g ?? 0);
    const v = g === current?.g ? current.v + 1 : 0;
    // A slice held and settled in our previous life continues settled: peers see no blip.
    const record: RouteWire =
      continued !== undefined
        ? { ...base, g, v, st: continued.st, c: continued.c, s: slice }
        : { ...base, g, v, st: routeStates.claimed, c: Math.floor(now), s: slice };
    this.#stats.claims++;
    this.#setOwn(now, record);
    own.synced = false;
    own.syncing = false;
    if (record.st === routeStates.claimed) {
      this.#emit({ type: 'sliceClaimed', overlay: overlay.name, slice });
      this.#due(now + this.config.settleMs);
    }
    return true;
  }

  /** One digest exchange at the end of the settle period: the last look before using the slice. */
  #syncBeforeSettling(now: Instant, own: Own, record: RouteWire): boolean {
    if (own.synced) return true;
    if (own.syncing) return false;
    own.syncing = true;
    const started =
      this.#sync?.(now, (at) => {
        if (own.record !== record) return;
        own.syncing = false;
        own.synced = true;
        this.markDirty(at);
      }) ?? false;
    if (!started) {
      own.syncing = false;
      own.synced = true;
    }
    return own.synced;
  }

  #resumable(own: Own, overlay: Overlay, ours: (s: number) => boolean): boolean {
    const s = own.opts.resumeSlice;
    return (
      s !== undefined &&
      own.record === undefined &&
      Number.isInteger(s) &&
      s >= 0 &&
      s < overlay.claimableSlices &&
      ours(s)
    );
  }

  #freeSlice(overlay: Overlay, taken: ReadonlyMap<number, RouteWire>): number | undefined {
    const n = overlay.claimableSlices;
    // Random, not lowest-first: agents booting together rarely pick the same slice.
    for (let i = 0; i < 16; i++) {
      const s = this.#rng.int(0, n);
      if (!taken.has(s)) return s;
    }
    const free: number[] = [];
    for (let s = 0; s < n; s++) if (!taken.has(s)) free.push(s);
    return free.length === 0 ? undefined : this.#rng.pick(free);
  }

  #aboutSelf(now: Instant, remote: RouteWire): void {
    const own = this.#own.get(remote.o);
    if (own?.record !== undefined) {
      // Someone holds a newer record under our name: re-assert ours above it.
      this.#setOwn(now, { ...own.record, g: remote.g, v: remote.v + 1 });
    } else if (remote.g < this.#generation && remote.st !== routeStates.withdrawn) {
      // Our previous life's route: keep it in place for a while, in case we publish (or are
      // about to claim) again — the claim continues its slice and peers see no change.
      this.table.setOwn(remote, now);
      this.#previous.set(remote.o, {
        record: remote,
        until: now + Math.max(30_000, 10 * this.config.settleMs),
      });
    } else {
      const g = Math.max(remote.g, this.#generation);
      this.#setOwn(now, { ...remote, g, v: g === remote.g ? remote.v + 1 : 0, st: routeStates.withdrawn });
    }
  }

  #setOwn(now: Instant, record: RouteWire): void {
    const own = this.#own.get(record.o);
    if (own !== undefined && record.st !== routeStates.withdrawn) own.record = record;
    this.table.setOwn(record, now);
    this.#broadcast(keyOf(record), record);
    this.markDirty(now);
  }

  #exhaustion(overlay: Overlay): SliceExhaustedError {
    const error = new SliceExhaustedError(overlay.name, overlay.claimableSlices, overlay);
    const own = this.#own.get(overlay.name);
    if (own !== undefined && !own.exhausted) {
      own.exhausted = true;
      this.#stats.exhausted++;
      this.#emit({ type: 'slicesExhausted', overlay: overlay.name, message: error.message });
    } else if (own === undefined) {
      this.#stats.exhausted++;
      this.#emit({ type: 'slicesExhausted', overlay: overlay.name, message: error.message });
    }
    return error;
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

  #due(at: Instant): void {
    if (this.#deadline === undefined || at < this.#deadline) this.#deadline = at;
  }

  #emit(e: RoutesEvent): void {
    if (this.#events.length >= 100_000) this.#events.shift();
    this.#events.push(e);
  }
}

function keyOf(r: RouteWire): string {
  return `r:${r.o}/${r.w}`;
}
