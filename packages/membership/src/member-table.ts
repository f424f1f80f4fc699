import {
  InvalidArgumentError,
  InvalidStateError,
  silentLogger,
  type Instant,
  type Logger,
} from '@trellis/runtime';
import { DigestIndex, type DigestView } from './digest-index.js';
import type { MemberChange, MergeOutcome } from './member-change.js';
import { freezeRecord, incarnationMax, type MemberRecord } from './member-record.js';
import { isTombstone, statusRank, type MemberStatus } from './member-status.js';
import { UnknownMemberError } from './membership-errors.js';
import { parseMembershipConfig, type MembershipConfig } from './membership-config.js';
import { compareBytes, compareRecords } from './record-join.js';
import { recordHash } from './record-hash.js';
import {
  requireAddr,
  requireId,
  requireIncarnation,
  requireInstant,
  requireMeta,
  validateRecord,
} from './record-validation.js';
import { rejectReasons, type RejectReason } from './reject-reason.js';

/** The local node, as given to the `MemberTable` constructor. */
export interface SelfInit {
  readonly id: string;
  readonly addr: string;
  readonly meta?: Uint8Array;
  /**
   * Where the self record starts. A restarting node must pass a value above every incarnation
   * of its previous life, such as max(persisted + 1, unix time in ms) — what createNode uses, so that its fresh alive
   * record beats the dead/left tombstone the cluster still keeps about it. Default 0.
   */
  readonly incarnation?: number;
}

export interface MemberTableOptions {
  readonly logger?: Logger;
}

/** The anti-entropy digest of a member table (keys are member ids). */
export type MembershipDigest = DigestView;

interface Slot {
  readonly record: MemberRecord;
  /** Local time of the last status change: suspicion timers and tombstone expiry run on it. */
  readonly since: Instant;
}

/**
 * The replicated member table: a map from id to the join of every record seen about that id,
 * plus the rules that only the owner raises its own incarnation. Pure and sans-IO: time is a
 * parameter, changes come back as `MemberChange` deltas for the caller to disseminate.
 */
export class MemberTable {
  readonly selfId: string;
  readonly config: MembershipConfig;
  readonly #slots = new Map<string, Slot>();
  readonly #digest: DigestIndex;
  readonly #rejected: Record<RejectReason, number>;
  readonly #log: Logger;

  constructor(
    self: SelfInit,
    now: Instant,
    config: Partial<MembershipConfig> = {},
    options: MemberTableOptions = {},
  ) {
    this.config = parseMembershipConfig(config);
    requireInstant(now);
    this.selfId = requireId(self.id, 'self.id');
    const record = freezeRecord({
      id: this.selfId,
      addr: requireAddr(self.addr),
      incarnation: requireIncarnation(self.incarnation ?? 0),
      status: 'alive',
      meta: requireMeta(self.meta ?? new Uint8Array(0), this.config.metaSizeMax),
    });
    this.#digest = new DigestIndex(this.config.digestBuckets);
    this.#rejected = Object.fromEntries(rejectReasons.map((r) => [r, 0])) as Record<RejectReason, number>;
    this.#log = (options.logger ?? silentLogger).child({ component: 'membership', self: this.selfId });
    this.#store(record, now);
  }

  self(): MemberRecord {
    return this.#slots.get(this.selfId)!.record;
  }

  get(id: string): MemberRecord | undefined {
    return this.#slots.get(id)?.record;
  }

  statusSince(id: string): Instant | undefined {
    return this.#slots.get(id)?.since;
  }

  /** Every record, self and tombstones included, in insertion order. */
  all(): MemberRecord[] {
    return Array.from(this.#slots.values(), (s) => s.record);
  }

  /** Members that may still be up: alive or suspect (self included unless it left). */
  alive(): MemberRecord[] {
    return this.all().filter((r) => !isTombstone(r.status));
  }

  get size(): number {
    return this.#slots.size;
  }

  /**
   * Joins one remote record into the table. Validates first and never throws on bad input:
   * a bad record is counted and reported as `rejected`.
   */
  merge(remote: unknown, now: Instant): MergeOutcome {
    requireInstant(now);
    // Gossip repeats each record many times: a copy of what we hold was valid when we took it.
    if (this.#isCopy(remote)) return { kind: 'unchanged' };
    const v = validateRecord(remote, this.config.metaSizeMax);
    if (!v.ok) return this.#reject(v.reason);
    const record = v.record;
    // Before the answer about ourselves too: refuting one would take us there.
    if (record.incarnation > now + this.config.clockSkewMaxMs) return this.#reject('clockSkew');
    if (record.id === this.selfId) return this.#mergeAboutSelf(record, now);
    const slot = this.#slots.get(record.id);
    if (slot === undefined && this.#slots.size >= this.config.membersMax) return this.#reject('tableFull');
    if (slot !== undefined && compareRecords(record, slot.record) <= 0) return { kind: 'unchanged' };
    return { kind: 'applied', change: this.#store(record, now) };
  }

  #isCopy(remote: unknown): boolean {
    if (typeof remote !== 'object' || remote === null) return false;
    try {
      const { id, incarnation, status, addr, meta } = remote as Partial<Record<keyof MemberRecord, unknown>>;
      if (typeof id !== 'string' || id === this.selfId) return false;
      const held = this.#slots.get(id)?.record;
      return (
        held !== undefined &&
        incarnation === held.incarnation &&
        status === held.status &&
        addr === held.addr &&
        meta instanceof Uint8Array &&
        compareBytes(meta, held.meta) === 0
      );
    } catch {
      // Hostile getters: validation reports them.
      return false;
    }
  }

  /**
   * Raises `id` to suspect at `incarnation` (the incarnation the caller's probe was about) if
   * that wins over what we hold. Never raises an incarnation: only the owner does that.
   */
  suspect(id: string, incarnation: number, now: Instant): MemberChange | undefined {
    return this.#accuse(id, incarnation, 'suspect', now);
  }

  /** Like `suspect`, for a suspicion that timed out. */
  declareDead(id: string, incarnation: number, now: Instant): MemberChange | undefined {
    return this.#accuse(id, incarnation, 'dead', now);
  }

  /** Changes our own addr and/or meta under a new incarnation. */
  updateSelf(
    patch: { readonly addr?: string; readonly meta?: Uint8Array },
    now: Instant,
  ): MemberChange | undefined {
    requireInstant(now);
    const self = this.#requireNotLeft('updateSelf');
    const addr = patch.addr === undefined ? self.addr : requireAddr(patch.addr);
    const meta = patch.meta === undefined ? self.meta : requireMeta(patch.meta, this.config.metaSizeMax);
    if (addr === self.addr && sameBytes(meta, self.meta)) return undefined;
    return this.#store(freezeRecord({ ...self, addr, meta, incarnation: nextIncarnation(self) }), now);
  }

  /** Re-asserts that we are alive under a new incarnation (e.g. when told we are suspected). */
  refute(now: Instant): MemberChange {
    requireInstant(now);
    const self = this.#requireNotLeft('refute');
    return this.#store(freezeRecord({ ...self, status: 'alive', incarnation: nextIncarnation(self) }), now);
  }

  /** Marks ourselves as left under a new incarnation. Idempotent: undefined if already left. */
  leave(now: Instant): MemberChange | undefined {
    requireInstant(now);
    const self = this.self();
    if (self.status === 'left') return undefined;
    return this.#store(freezeRecord({ ...self, status: 'left', incarnation: nextIncarnation(self) }), now);
  }

  /** Removes dead and left records whose status is at least `tombstoneTtlMs` old. */
  collect(now: Instant): string[] {
    requireInstant(now);
    const removed: string[] = [];
    for (const [id, slot] of this.#slots) {
      if (id === this.selfId || !isTombstone(slot.record.status)) continue;
      if (now - slot.since < this.config.tombstoneTtlMs) continue;
      this.#slots.delete(id);
      this.#digest.delete(id);
      removed.push(id);
    }
    if (removed.length > 0) this.#log.debug({ removed: removed.length }, 'tombstones collected');
    return removed;
  }

  digest(): MembershipDigest {
    return this.#digest;
  }

  rejected(): Readonly<Record<RejectReason, number>> {
    return Object.freeze({ ...this.#rejected });
  }

  #mergeAboutSelf(record: MemberRecord, now: Instant): MergeOutcome {
    const self = this.self();
    if (compareRecords(record, self) <= 0) return { kind: 'unchanged' };
    // The news would win everywhere it spreads; only a higher incarnation of ours beats it.
    if (record.incarnation >= incarnationMax) return this.#reject('unrefutable');
    const status: MemberStatus = self.status === 'left' ? 'left' : 'alive';
    const change = this.#store(freezeRecord({ ...self, status, incarnation: record.incarnation + 1 }), now);
    this.#log.info(
      { status: record.status, incarnation: record.incarnation, refutedWith: change.current.incarnation },
      'refuted news about self',
    );
    return { kind: 'refuted', change };
  }

  #accuse(id: string, incarnation: number, status: MemberStatus, now: Instant): MemberChange | undefined {
    requireInstant(now);
    requireIncarnation(incarnation);
    if (id === this.selfId) throw new InvalidArgumentError(`cannot mark self as ${status}; use leave()`);
    const current = this.#slots.get(id)?.record;
    if (current === undefined) throw new UnknownMemberError(id);
    if (incarnation > current.incarnation) {
      throw new InvalidArgumentError(
        `cannot mark ${id} ${status} at incarnation ${incarnation}: only ${current.incarnation} was seen, ` +
          'and only the owner raises its incarnation',
      );
    }
    if (incarnation < current.incarnation) return undefined;
    if (statusRank(status) <= statusRank(current.status)) return undefined;
    return this.#store(freezeRecord({ ...current, status }), now);
  }

  #requireNotLeft(command: string): MemberRecord {
    const self = this.self();
    if (self.status === 'left') throw new InvalidStateError(`${command}: this node has left the cluster`);
    return self;
  }

  #store(record: MemberRecord, now: Instant): MemberChange {
    const old = this.#slots.get(record.id);
    const since = old !== undefined && old.record.status === record.status ? old.since : now;
    this.#slots.set(record.id, { record, since });
    this.#digest.set(record.id, recordHash(record));
    return { previous: old?.record, current: record };
  }

  #reject(reason: RejectReason): MergeOutcome {
    this.#rejected[reason]++;
    this.#log.debug({ reason }, 'remote member record rejected');
    return { kind: 'rejected', reason };
  }
}

function nextIncarnation(self: MemberRecord): number {
  if (self.incarnation >= incarnationMax) {
    throw new InvalidStateError(`incarnation ${self.incarnation} cannot be raised further`);
  }
  return self.incarnation + 1;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
