import type { Address, Instant } from '@trellis/runtime';
import type { SwimContext } from './context.js';
import type { MemberMessage } from './messages.js';
import type { News } from './news.js';

const isLiveStatus = (s: number | undefined): boolean => s === 0 || s === 1;

/**
 * The gate every member record passes before the news layer merges it. A live record about a
 * member nobody confirmed to us is admitted only while fewer than `unconfirmedMembersMax` such
 * members are held (one request of 20,000 forged members costs the cluster at most that many);
 * past the bound it is dropped and counted as `member:unconfirmedFull`. Records that prove
 * themselves pass regardless and confirm their member: a member's own alive record in a
 * datagram from its own address, gossip from a confirmed member's address, and records in a
 * join or push-pull reply from a peer we dialed (`Confirmations.vouching`). Requests vouch for
 * nothing: their stream sender is only a claim.
 */
export class MemberAdmission {
  readonly #ctx: SwimContext;
  readonly #news: News;

  constructor(ctx: SwimContext, news: News) {
    this.#ctx = ctx;
    this.#news = news;
  }

  /** A record from a datagram (`direct`: it may speak for its sender) or an exchange. */
  onMember(now: Instant, from: Address, msg: MemberMessage, channel: 'datagram' | 'exchange'): void {
    const { confirmations: c, table, config } = this.#ctx;
    // Most gossip is copies about members we confirmed: they need no proof and have a slot.
    if (c.has(msg.id)) return this.#news.onMember(now, from, msg);
    const live = isLiveStatus(msg.s);
    const proven =
      live &&
      (channel === 'datagram'
        ? (msg.s === 0 && msg.a === from) || c.confirmedAddr(from)
        : c.vouched(from, msg.a)) &&
      msg.id !== this.#ctx.selfId;
    if (
      live &&
      !proven &&
      !c.has(msg.id) &&
      !isLiveStatus(statusCode(table.get(msg.id)?.status)) &&
      c.unconfirmedLive >= config.unconfirmedMembersMax
    ) {
      this.#ctx.reject(from, 'member:unconfirmedFull');
      return;
    }
    this.#news.onMember(now, from, msg);
    if (proven && table.get(msg.id)?.addr === msg.a && isLiveStatus(statusCode(table.get(msg.id)?.status)))
      c.confirm(msg.id);
  }
}

function statusCode(status: string | undefined): number | undefined {
  switch (status) {
    case 'alive':
      return 0;
    case 'suspect':
      return 1;
    default:
      return status === undefined ? undefined : 2;
  }
}
