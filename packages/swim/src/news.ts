import type { Address, Instant } from '@trellis/runtime';
import type { MemberChange, MemberRecord } from '@trellis/membership';
import type { CertificateQueries } from './certificate-queries.js';
import { ConflictReports } from './conflict-reports.js';
import type { SwimContext } from './context.js';
import { fromMemberMessage } from './member-codec.js';
import type { MemberMessage } from './messages.js';
import { Suspicion, confirmationsExpected, suspicionMinMs } from './suspicion.js';
import { suspectTimer } from './timers.js';

export const membershipClass = 'members';

const answeredMax = 256;

/** Transitions the rest of the core tracks (probe order, live set). */
export interface NewsHooks {
  /** `id` is now alive or suspect, and was not before. */
  up(id: string): void;
  /** `id` is now dead or left. */
  down(id: string): void;
  /** `id` was dead and is alive again: a partition healed, or we were wrong. */
  returned(now: Instant, id: string): void;
}

/**
 * Membership news: merges member records into the table, turns every accepted change into
 * gossip and application events, and runs the suspicion timers (Lifeguard's dynamic timeout
 * with independent confirmations).
 */
export class News {
  readonly #ctx: SwimContext;
  readonly #suspicions = new Map<string, Suspicion>();
  /** When each member died or left: gossip keeps reaching it for gossipToTheDeadMs. */
  readonly #diedAt = new Map<string, Instant>();
  readonly #hooks: NewsHooks;
  /** Peers already told of our current incarnation directly. */
  readonly #answered = new Set<Address>();
  #answeredAt = -1;
  readonly #conflicts = new ConflictReports();

  readonly #queries: CertificateQueries;

  constructor(ctx: SwimContext, hooks: NewsHooks, queries: CertificateQueries) {
    this.#ctx = ctx;
    this.#hooks = hooks;
    this.#queries = queries;
  }

  /** A member record from a peer (piggybacked gossip or a push-pull section). */
  onMember(now: Instant, from: Address, msg: MemberMessage): void {
    // With identity on, a record that would change the table must be signed by whoever may
    // write it: the member for alive and left, an admitted accuser for a claim.
    const refused = this.#ctx.proofs.check(now, msg);
    // Not a bad record (gossip carries records and certificates by reference): one we cannot
    // check yet, and ask the sender for.
    if (refused === 'certificateUnknown' || refused === 'recordByReference')
      return this.#queries.ask(now, from, msg.id);
    if (refused !== undefined) return this.#ctx.reject(from, `member:${refused}`);
    // With identity on, only our own key's signature proves another process runs with our id.
    if (msg.id === this.#ctx.selfId && (msg.s === 0 || msg.s === 1)) {
      if (this.#ctx.proofs.signedByMember(now, msg)) this.#checkConflict(now, from, msg.a);
      // A reference to a live record of ours elsewhere: worth its signature, to tell the operator.
      else if (msg.cr !== undefined && msg.sg === undefined && msg.a !== this.#ctx.table.self().addr)
        this.#queries.ask(now, from, msg.id);
    }
    const outcome = this.#ctx.table.merge(fromMemberMessage(msg), now);
    if (msg.id === this.#ctx.selfId && msg.s !== 0 && outcome.kind !== 'rejected')
      this.#answerAccuser(from, msg.by);
    switch (outcome.kind) {
      case 'applied':
        this.#ctx.proofs.remember(outcome.change.current, msg);
        this.#applied(now, outcome.change, msg.by);
        return;
      case 'refuted':
        this.#ctx.stats.refutations++;
        // Having to defend ourselves hints that we are the slow one (Lifeguard).
        this.#ctx.changeAwareness(1);
        this.#broadcast(outcome.change.current);
        this.#ctx.emit({ type: 'selfRefuted', incarnation: outcome.change.current.incarnation });
        return;
      case 'unchanged':
        if (msg.s === 1 && msg.by !== undefined) this.#confirmed(now, msg, msg.by);
        return;
      case 'rejected':
        this.#ctx.reject(from, `member:${outcome.reason}`);
        return;
    }
  }

  /** A peer's confirmation of a suspicion we hold: keep its accuser's proof to pass it on. */
  #confirmed(now: Instant, msg: MemberMessage, by: string): void {
    const r = this.#ctx.table.get(msg.id);
    if (r !== undefined && r.status === 'suspect' && r.incarnation === msg.i)
      this.#ctx.proofs.remember(r, msg);
    this.#confirm(now, msg.id, msg.i, by);
  }

  /**
   * Our own probe of `target` failed; `refused`: every path failed and its host refused the
   * stream, so the process is gone and our suspicion lasts suspicionRefusedMs at most.
   */
  suspectLocally(now: Instant, target: MemberRecord, refused = false): void {
    const { table, selfId, config, timers } = this.#ctx;
    const change = table.suspect(target.id, target.incarnation, now);
    if (change !== undefined) this.#applied(now, change, selfId);
    else if (target.status === 'suspect') this.#confirm(now, target.id, target.incarnation, selfId);
    const s = this.#suspicions.get(target.id);
    if (!refused || s === undefined || s.incarnation !== target.incarnation) return;
    s.cap(now + config.suspicionRefusedMs);
    timers.set(suspectTimer(target.id), Math.max(now, s.deadline));
  }

  /** A local change of our own record (update, refute, leave): gossip it. */
  announceSelf(change: MemberChange): void {
    this.#broadcast(change.current);
  }

  onSuspicionTimeout(now: Instant, id: string, lateMs: number): void {
    const { table, timers, stats, config } = this.#ctx;
    if (config.lifeguard && lateMs > config.lateTimerThresholdMs) {
      // We were stalled past the deadline: the refutation may be waiting in our own socket
      // buffer. Give queued input a turn before burying anyone.
      timers.set(suspectTimer(id), now + 1);
      return;
    }
    timers.clear(suspectTimer(id));
    const s = this.#suspicions.get(id);
    this.#suspicions.delete(id);
    if (s === undefined || this.#ctx.leaving) return;
    const current = table.get(id);
    if (current?.status !== 'suspect' || current.incarnation !== s.incarnation) return;
    const change = table.declareDead(id, s.incarnation, now);
    if (change === undefined) return;
    stats.deathsDeclared++;
    this.#applied(now, change, undefined);
  }

  /** Dead or left members still worth gossiping to. */
  recentlyDead(now: Instant): MemberRecord[] {
    const out: MemberRecord[] = [];
    for (const [id, at] of this.#diedAt) {
      const r = this.#ctx.table.get(id);
      if (r === undefined || now - at > this.#ctx.config.gossipToTheDeadMs || r.status === 'alive') {
        this.#diedAt.delete(id);
        continue;
      }
      if (r.status === 'dead') out.push(r);
    }
    return out;
  }

  get suspicionCount(): number {
    return this.#suspicions.size;
  }

  #applied(now: Instant, change: MemberChange, by: string | undefined): void {
    const { current, previous } = change;
    this.#broadcast(current, by);
    const wasUp = previous !== undefined && (previous.status === 'alive' || previous.status === 'suspect');
    switch (current.status) {
      case 'alive':
        this.#clearSuspicion(current.id);
        this.#diedAt.delete(current.id);
        if (wasUp) this.#ctx.emit({ type: 'memberUpdated', member: current, previous });
        else {
          this.#hooks.up(current.id);
          if (previous?.status === 'dead') this.#hooks.returned(now, current.id);
          this.#ctx.emit({ type: 'memberJoined', member: current });
        }
        return;
      case 'suspect':
        if (!wasUp) this.#hooks.up(current.id);
        this.#startSuspicion(now, current, by ?? 'unknown');
        this.#ctx.emit({ type: 'memberSuspected', member: current, by });
        return;
      case 'dead':
      case 'left':
        this.#clearSuspicion(current.id);
        this.#hooks.down(current.id);
        if (wasUp) this.#diedAt.set(current.id, now);
        if (wasUp && current.status === 'dead') this.#ctx.emit({ type: 'memberDied', member: current });
        // A dead member that left (its leave reached us after we buried it) is gone for good
        // now, not just dead: say so, stores drop its records at once instead of after a grace.
        else if (current.status === 'left' && (wasUp || previous?.status === 'dead'))
          this.#ctx.emit({ type: 'memberLeft', member: current });
        return;
    }
  }

  /**
   * memberlist's NotifyConflict: a live record about our id at another address means someone
   * else runs with our id (or our previous life, at another address, is not dead yet). The
   * refutation goes on as usual; this only tells the operator, at most once a minute per address.
   */
  #checkConflict(now: Instant, from: Address, theirs: Address): void {
    const ours = this.#ctx.table.self().addr;
    if (theirs === ours) return;
    this.#ctx.stats.conflicts++;
    if (this.#conflicts.report(now, theirs)) {
      this.#ctx.emit({ type: 'memberConflict', id: this.#ctx.selfId, ours, theirs, from });
    }
  }

  /**
   * Someone gossips that we are suspect or dead. Besides the epidemic refutation, answer the
   * sender and the accuser directly (Lifeguard on): they are the ones whose suspicion timers run
   * out first, so the refutation reaches them in one hop instead of log(N) gossip rounds. At
   * most once per peer and incarnation.
   */
  #answerAccuser(from: Address, by: string | undefined): void {
    const { config, table } = this.#ctx;
    if (!config.lifeguard || this.#ctx.leaving) return;
    const self = table.self();
    if (self.incarnation !== this.#answeredAt) {
      this.#answered.clear();
      this.#answeredAt = self.incarnation;
    }
    const accuser = by === undefined ? undefined : table.get(by)?.addr;
    for (const addr of accuser === undefined ? [from] : [from, accuser]) {
      if (this.#answered.has(addr) || this.#answered.size >= answeredMax) continue;
      this.#answered.add(addr);
      this.#ctx.stats.directRefutations++;
      this.#ctx.send(addr, this.#ctx.proofs.message(self));
    }
  }

  #startSuspicion(now: Instant, r: MemberRecord, by: string): void {
    const { config, timers, stats } = this.#ctx;
    const existing = this.#suspicions.get(r.id);
    if (existing !== undefined && existing.incarnation === r.incarnation) {
      this.#confirm(now, r.id, r.incarnation, by);
      return;
    }
    const minMs = suspicionMinMs(config.suspicionMult, this.#ctx.clusterSize(), config.probeIntervalMs);
    const s = new Suspicion({
      incarnation: r.incarnation,
      startedAt: now,
      from: by,
      minMs,
      maxMs: config.suspicionMaxTimeoutMult * minMs,
      k: config.lifeguard ? confirmationsExpected(config.suspicionConfirmations, this.#ctx.clusterSize()) : 0,
    });
    this.#suspicions.set(r.id, s);
    stats.suspicionsRaised++;
    timers.set(suspectTimer(r.id), s.deadline);
  }

  #confirm(now: Instant, id: string, incarnation: number, by: string): void {
    const s = this.#suspicions.get(id);
    if (s === undefined || s.incarnation !== incarnation) return;
    if (!s.confirm(by)) return;
    this.#ctx.stats.confirmations++;
    this.#ctx.timers.set(suspectTimer(id), Math.max(now, s.deadline));
    // Pass the independent confirmation on, so others shrink their timeouts too.
    const r = this.#ctx.table.get(id);
    if (r !== undefined) this.#broadcast(r, by);
  }

  #clearSuspicion(id: string): void {
    if (this.#suspicions.delete(id)) this.#ctx.timers.clear(suspectTimer(id));
  }

  /** `id` was just confirmed: its record, withheld from gossip until now, goes out. */
  relayConfirmed(id: string): void {
    const r = this.#ctx.table.get(id);
    if (r !== undefined) this.#broadcast(r);
  }

  #broadcast(r: MemberRecord, by?: string): void {
    // We pass on news only of members that showed they exist (Confirmations): a forged record
    // stays where it was injected instead of filling every node's packets.
    if (!this.#ctx.confirmations.has(r.id)) return;
    this.#ctx.queue.enqueue(membershipClass, `m:${r.id}`, this.#ctx.proofs.message(r, by, 'ref'));
  }
}
