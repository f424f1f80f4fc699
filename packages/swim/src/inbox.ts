import type { Address, Instant } from '@trellis/runtime';
import type { AntiEntropy } from './anti-entropy.js';
import type { CertificateQueries } from './certificate-queries.js';
import type { SwimContext } from './context.js';
import type { MemberAdmission } from './member-admission.js';
import { parseSwimMessage } from './messages.js';
import type { Prober } from './prober.js';
import type { PushPullRounds } from './push-pull-rounds.js';

/** Handles datagram messages the core does not know (application messages). */
export type UserMessageHandler = (now: Instant, from: Address, msg: Record<string, unknown>) => boolean;

/**
 * Answers stream requests whose type the core does not know (a store plug-in's requests):
 * an object is the reply, `undefined` means "not mine either". `msg` is peer input: the
 * handler validates it and must not throw (a bad request is answered, counted, reported).
 */
export type UserRequestHandler = (
  now: Instant,
  from: Address,
  msg: Record<string, unknown>,
) => object | undefined;

export interface InboxParts {
  readonly prober: Prober;
  readonly admission: MemberAdmission;
  readonly antiEntropy: AntiEntropy;
  readonly pushPull: PushPullRounds;
  readonly queries: CertificateQueries;
}

/**
 * Peer input, routed to the part of the core that owns it: datagrams are parsed once (a bad
 * one is counted and reported, never thrown), stream requests answered; what the core does
 * not know goes to the application's handlers.
 */
export class Inbox {
  readonly #ctx: SwimContext;
  readonly #parts: InboxParts;
  #userMessage: UserMessageHandler | undefined;
  #userRequest: UserRequestHandler | undefined;

  constructor(ctx: SwimContext, parts: InboxParts) {
    this.#ctx = ctx;
    this.#parts = parts;
  }

  onUserMessage(handler: UserMessageHandler): void {
    this.#userMessage = handler;
  }

  onUserRequest(handler: UserRequestHandler): void {
    this.#userRequest = handler;
  }

  handleMessage(now: Instant, from: Address, raw: unknown): void {
    const { table, selfId, confirmations } = this.#ctx;
    const { prober, admission, pushPull } = this.#parts;
    const parsed = parseSwimMessage(raw, table.config.metaSizeMax);
    if (!parsed.ok) {
      if (parsed.reason === 'unknownType' && this.#userMessage?.(now, from, raw as Record<string, unknown>))
        return;
      this.#ctx.reject(from, parsed.reason);
      return;
    }
    const msg = parsed.msg;
    switch (msg.t) {
      case 'ping': {
        const sender = table.get(msg.src);
        if (msg.id === selfId && (sender === undefined || sender.status === 'dead'))
          pushPull.learnFrom(now, from, msg.src);
        else confirmations.heard(from, msg.src);
        return prober.onPing(now, from, msg);
      }
      case 'ack':
        confirmations.heard(from, msg.src);
        pushPull.onAck(now, from, msg);
        return prober.onAck(now, from, msg);
      case 'nack':
        return prober.onNack(now, from, msg);
      case 'preq':
        confirmations.heard(from, msg.src);
        return prober.onPingReq(now, from, msg);
      case 'm':
        return admission.onMember(now, from, msg, 'datagram');
      case 'mq':
        return this.#parts.queries.answer(now, from, msg.src, msg.ids);
    }
  }

  handleRequest(now: Instant, from: Address, raw: unknown): object {
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      this.#ctx.reject(from, 'malformedRequest');
      return { t: 'err', reason: 'malformed' };
    }
    const msg = raw as Record<string, unknown>;
    if (msg.t === 'sping') return this.#parts.prober.onStreamPing(msg.id);
    const reply =
      this.#parts.antiEntropy.handleRequest(now, from, msg) ?? this.#userRequest?.(now, from, msg);
    if (reply !== undefined) return reply;
    this.#ctx.reject(from, 'unknownRequest');
    return { t: 'err', reason: 'unknown' };
  }
}
