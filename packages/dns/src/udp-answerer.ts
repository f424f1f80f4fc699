import type { RemoteInfo, Socket as DgramSocket } from 'node:dgram';
import { AnswerCache, withQueryId, type CachedAnswer } from './answer-cache.js';
import { prepareAnswer, slipAnswer } from './answer-query.js';
import { clientPrefix, type PrefixLengths } from './client-prefix.js';
import type { DnsConfig } from './dns-config.js';
import { type DnsStats, type SocketEventKind, countLimited, countOutcome } from './dns-stats.js';
import { ExemptClients } from './exempt-clients.js';
import { ResponseRateLimiter } from './response-rate-limiter.js';
import type { TaskZone } from './task-zone.js';

/** Distinct questions kept encoded: every name of a 10,000-task zone in each form and type fits. */
const ANSWER_CACHE_MAX = 65_536;

export interface UdpAnswererOptions {
  readonly config: DnsConfig;
  /** Where outcomes are counted: the owner's stats object. */
  readonly stats: DnsStats;
  readonly count: (kind: SocketEventKind, cause?: unknown) => void;
  /** The RRL secret, shared by every reader of one socket so a key lands in the same buckets. */
  readonly rrlSecret: Uint8Array;
  /**
   * This reader's share of `rrlResponsesPerSecond`: 1 / workers. The kernel hands each datagram to
   * whichever reader asks first, so the readers' limits must add up to the configured one.
   */
  readonly rrlShare: number;
}

/**
 * The UDP half of the server, as every reader of the socket runs it (the server's own thread and
 * each worker process): answer cache, rate limiter and stats. Over UDP the source address is
 * unproven, so every response is charged to the client's prefix first.
 */
export class UdpAnswerer {
  zone: TaskZone;
  readonly #o: UdpAnswererOptions;
  readonly #answers = new AnswerCache(ANSWER_CACHE_MAX);
  /** Undefined when `rrlResponsesPerSecond` is 0. */
  readonly #rrl: ResponseRateLimiter | undefined;
  readonly #exempt: ExemptClients;
  readonly #prefixLengths: PrefixLengths;
  #lastClient = { address: '', prefix: '' };
  /** One callback for every send: no closure per reply. */
  readonly #afterSend = (error: Error | null): void => {
    if (error) this.#o.count('udp-send', error);
  };

  constructor(zone: TaskZone, options: UdpAnswererOptions) {
    this.zone = zone;
    this.#o = options;
    const c = options.config;
    const rate = c.rrlResponsesPerSecond * options.rrlShare;
    this.#rrl =
      rate === 0
        ? undefined
        : new ResponseRateLimiter(
            {
              responsesPerSecond: rate,
              windowSeconds: c.rrlWindowSeconds,
              slip: c.rrlSlip,
              tableSize: c.rrlTableSize,
            },
            options.rrlSecret,
          );
    this.#exempt = new ExemptClients(c.rrlExempt);
    this.#prefixLengths = { ipv4: c.rrlIpv4PrefixLength, ipv6: c.rrlIpv6PrefixLength };
  }

  /** Serves `zone` from now on; answers encoded from the old one are forgotten. */
  setZone(zone: TaskZone): void {
    this.zone = zone;
    this.#answers.clear();
  }

  get cacheHits(): number {
    return this.#answers.hits;
  }

  get cacheMisses(): number {
    return this.#answers.misses;
  }

  /** Answers every datagram `socket` reads, as long as `serving()` holds. */
  serve(socket: DgramSocket, serving: () => boolean): void {
    socket.on('message', (message: Buffer, from: RemoteInfo) => {
      if (!serving()) return;
      const response = this.answer(message, from.address);
      // The socket's own send with one shared callback: no promise, no closure per reply.
      if (response !== undefined) socket.send(response, from.port, from.address, this.#afterSend);
    });
    socket.on('error', (error) => this.#o.count('udp-socket', error));
  }

  /** A question asked before is answered from the cache (the id patched in); a new one is prepared, encoded and cached. */
  answer(query: Uint8Array, address: string): Uint8Array | undefined {
    const stats = this.#o.stats;
    const key = AnswerCache.keyOf(query);
    let answer: CachedAnswer | undefined = key === undefined ? undefined : this.#answers.get(key);
    if (answer === undefined) {
      const prepared = this.#prepare(query);
      if (prepared.kind === 'drop') {
        countOutcome(stats, prepared, 'udp');
        return undefined;
      }
      answer = this.#answers.add(key, prepared);
    }
    if (this.#rrl !== undefined && !this.#exempt.has(address)) {
      const decision = this.#rrl.check(performance.now(), `${this.#prefixOf(address)} ${answer.rateClass}`);
      if (decision !== 'send') {
        // As in BIND, errors never slip: a TC would only bring the same error over TCP.
        const slip = decision === 'slip' && answer.rateClass !== 'error';
        countLimited(stats, slip);
        const prepared = slip ? this.#prepare(query) : undefined;
        return prepared?.kind === 'reply' ? slipAnswer(prepared) : undefined;
      }
    }
    countOutcome(stats, answer, 'udp');
    return withQueryId(answer, query);
  }

  #prepare(query: Uint8Array) {
    return prepareAnswer(this.zone, query, { via: 'udp', udpPayloadMax: this.#o.config.udpPayloadMax });
  }

  /** Floods and busy clients send from one address over and over: remember the last one. */
  #prefixOf(address: string): string {
    if (address !== this.#lastClient.address)
      this.#lastClient = { address, prefix: clientPrefix(address, this.#prefixLengths) };
    return this.#lastClient.prefix;
  }
}
