import type { Instant } from '@trellis/runtime';
import type { MemberRecord } from '@trellis/membership';
import type { SwimContext } from './context.js';
import type { PingMessage } from './messages.js';

/** Verification pings a member may leave unanswered before we suspect it. */
const missesMax = 2;

/**
 * Verification of members nobody confirmed to us, beside the probe round rather than in it:
 * each probe interval (unscaled: failures here say nothing about our own health) the next
 * `unconfirmedPingsPerInterval` of them in round-robin order get a plain ping. An ack from the
 * member's address confirms it (the inbox sees it) and it joins the probe round. A member that
 * leaves `missesMax` pings unanswered is suspected like any other, so a forged member dies and
 * its slot under `unconfirmedMembersMax` frees; Lifeguard's local health is never touched.
 */
export class UnconfirmedProbes {
  readonly #ctx: SwimContext;
  readonly #suspect: (now: Instant, target: MemberRecord) => void;

  constructor(ctx: SwimContext, suspect: (now: Instant, target: MemberRecord) => void) {
    this.#ctx = ctx;
    this.#suspect = suspect;
  }

  /** Runs with the probe tick. */
  tick(now: Instant): void {
    const { confirmations, config, table, selfId, stats } = this.#ctx;
    if (this.#ctx.leaving) return;
    for (const { id, misses } of confirmations.nextToVerify(config.unconfirmedPingsPerInterval)) {
      const r = table.get(id);
      if (r === undefined || (r.status !== 'alive' && r.status !== 'suspect')) continue;
      if (misses >= missesMax) {
        stats.unconfirmedSuspected++;
        this.#suspect(now, r);
        confirmations.resetMisses(id);
      }
      stats.unconfirmedPings++;
      this.#ctx.sendAlone(r.addr, {
        t: 'ping',
        seq: this.#ctx.nextSeq(),
        id,
        src: selfId,
      } satisfies PingMessage);
    }
  }
}
