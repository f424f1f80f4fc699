import type { Address, Instant } from '@trellis/runtime';
import type { SwimContext } from './context.js';
import { memberQueryIdsMax, type MemberMessage, type MemberQueryMessage } from './messages.js';
import { TokenBucket } from './token-bucket.js';

/** Ask again for a member's record after this long without it (a lost query or answer). */
const retryMs = 200;
/** Members with a query outstanding, remembered at most (the oldest is forgotten first). */
const outstandingMax = 1024;
/** Records answered at most: a burst, then one per `answerRefillMs` (about 250 B each). */
const answerBurst = 512;
const answerRefillMs = 1;

/**
 * Records and certificates by reference (identity on). Gossip names a member's certificate by
 * reference (`cr`) rather than carrying its ~120 bytes in every copy of every record, and sends
 * an `alive` record without its 64-byte signature (a receiver that holds the record needs
 * neither); joins and push-pulls carry both in full. A record we cannot check (under a
 * certificate we do not hold, or new to us and unsigned) is set aside (counted as
 * `certificateMisses`; never admitted on a reference's word), and we ask the peer whose gossip
 * brought it for the member's record in full (`mq`, the ids one input named, in one datagram).
 * The answer is ordinary member records with certificates and signatures, checked like any
 * other: the certificate against the trust, the signature against the certificate's key.
 *
 * Answers go only to the address our table holds for the asking member (a joiner's members
 * are often not confirmed yet, so confirmation is not asked for) and are rate-limited: a query
 * with a spoofed source cannot turn us into an amplifier aimed at an outsider, and aimed at a
 * member it sends at most `answerBurst` records and then one per `answerRefillMs`.
 */
export class CertificateQueries {
  readonly #ctx: SwimContext;
  readonly #asked = new Map<string, Instant>();
  readonly #pending = new Map<Address, string[]>();
  readonly #answers = new TokenBucket(answerBurst, answerRefillMs);

  constructor(ctx: SwimContext) {
    this.#ctx = ctx;
  }

  /** `from` sent a record of `id` that we cannot check without asking for it in full. */
  ask(now: Instant, from: Address, id: string): void {
    this.#ctx.stats.certificateMisses++;
    const at = this.#asked.get(id);
    if (at !== undefined && now - at < retryMs) return;
    this.#asked.delete(id);
    if (this.#asked.size >= outstandingMax) this.#asked.delete(this.#asked.keys().next().value!);
    this.#asked.set(id, now);
    const ids = this.#pending.get(from);
    if (ids === undefined) this.#pending.set(from, [id]);
    else ids.push(id);
  }

  /** Sends the queries asked since the last flush: one datagram per peer and 32 ids. */
  flush(): void {
    if (this.#pending.size === 0) return;
    for (const [to, ids] of this.#pending)
      for (let i = 0; i < ids.length; i += memberQueryIdsMax) {
        const query: MemberQueryMessage = {
          t: 'mq',
          src: this.#ctx.selfId,
          ids: ids.slice(i, i + memberQueryIdsMax),
        };
        this.#ctx.stats.certificateQueries++;
        this.#ctx.sendAlone(to, query);
      }
    this.#pending.clear();
  }

  /** Member `src`, at `from`, asks for our records of `ids` in full. */
  answer(now: Instant, from: Address, src: string, ids: readonly string[]): void {
    const { table, proofs, stats } = this.#ctx;
    if (!proofs.enabled) return;
    const asker = table.get(src);
    if (
      asker === undefined ||
      asker.addr !== from ||
      (asker.status !== 'alive' && asker.status !== 'suspect')
    )
      return this.#ctx.reject(from, 'mq:notMember');
    const records: MemberMessage[] = [];
    for (const id of ids) {
      const r = table.get(id);
      if (r === undefined || (r.status !== 'alive' && r.status !== 'left')) continue;
      if (!this.#answers.take(now)) {
        stats.certificateAnswersLimited++;
        break;
      }
      records.push(proofs.message(r, undefined, 'full'));
    }
    stats.certificateAnswers += records.length;
    if (records.length > 0) this.#ctx.sendPacked(from, records);
  }
}
