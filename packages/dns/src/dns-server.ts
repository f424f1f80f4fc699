import { randomBytes } from 'node:crypto';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { RemoteInfo, SocketAsPromised } from 'dgram-as-promised';
import { InvalidStateError, type Logger, silentLogger } from '@trellis/runtime';
import type { TaskEntry } from '@trellis/tasks';
import { AnswerCache, withQueryId, type CachedAnswer } from './answer-cache.js';
import { answerQuery, prepareAnswer, slipAnswer } from './answer-query.js';
import { bindUdpAndTcp, closeQuietly } from '@trellis/node';
import { clientPrefix, type PrefixLengths } from './client-prefix.js';
import { ExemptClients } from './exempt-clients.js';
import { type DnsConfig, type DnsConfigInput, parseDnsConfig } from './dns-config.js';
import {
  type DnsStats,
  type SocketEventKind,
  copyDnsStats,
  countLimited,
  countOutcome,
  emptyDnsStats,
} from './dns-stats.js';
import { ResponseRateLimiter } from './response-rate-limiter.js';
import { TcpConnections } from './tcp-connections.js';
import { TaskZone } from './task-zone.js';

export interface DnsServerOptions {
  readonly logger?: Logger;
  /** The first task table; `update` replaces it. Empty (only apex and NS) unless given. */
  readonly entries?: readonly TaskEntry[];
}

const SERIAL_MODULUS = 2 ** 32;
/** Distinct questions kept encoded: every name of a 10,000-task zone in each form and type fits. */
const ANSWER_CACHE_MAX = 65_536;
const RRL_SECRET_BYTES = 16;

/**
 * Virtual Network Service DNS on one host:port, UDP and TCP, answered from a `TaskZone` that the
 * owner replaces with `update` whenever the task table changes. Nothing a client or the network
 * does throws out of it: socket errors are logged and counted in `stats()`.
 */
export class DnsServer {
  readonly config: DnsConfig;
  readonly #log: Logger;
  readonly #stats = emptyDnsStats();
  readonly #tcpConnections: TcpConnections;
  /** Undefined when `rrlResponsesPerSecond` is 0. */
  readonly #rrl: ResponseRateLimiter | undefined;
  readonly #exempt: ExemptClients;
  readonly #prefixLengths: PrefixLengths;
  #lastClient = { address: '', prefix: '' };
  #zone: TaskZone;
  readonly #answers = new AnswerCache(ANSWER_CACHE_MAX);
  #udp: SocketAsPromised | undefined;
  #tcp: Server | undefined;
  #state: 'new' | 'starting' | 'running' | 'closed' = 'new';
  #closing: Promise<void> | undefined;

  /** Throws a ConfigError listing every problem of `config`. */
  constructor(config: DnsConfigInput = {}, options: DnsServerOptions = {}) {
    this.config = parseDnsConfig(config);
    this.#log = (options.logger ?? silentLogger).child({ component: 'dns' });
    this.#zone = TaskZone.build(options.entries ?? [], this.config, 1);
    const c = this.config;
    this.#rrl =
      c.rrlResponsesPerSecond === 0
        ? undefined
        : new ResponseRateLimiter(
            {
              responsesPerSecond: c.rrlResponsesPerSecond,
              windowSeconds: c.rrlWindowSeconds,
              slip: c.rrlSlip,
              tableSize: c.rrlTableSize,
            },
            // Secret per server, so no one can aim a flood at another client's buckets.
            randomBytes(RRL_SECRET_BYTES),
          );
    this.#exempt = new ExemptClients(c.rrlExempt);
    this.#prefixLengths = { ipv4: c.rrlIpv4PrefixLength, ipv6: c.rrlIpv6PrefixLength };
    this.#tcpConnections = new TcpConnections({
      connectionsMax: this.config.tcpConnectionsMax,
      connectionsPerClientMax: this.config.tcpConnectionsPerClientMax,
      firstQueryMs: this.config.tcpFirstQueryMs,
      idleMs: this.config.tcpIdleMs,
      queryBytesMax: this.config.tcpQueryBytesMax,
      backlogBytesMax: this.config.tcpBacklogBytesMax,
      onQuery: (query) => this.#answerTcp(query),
      count: (kind, cause) => this.#count(kind, cause),
    });
  }

  /** Binds UDP and TCP; resolves with the bound address (the real port when `port` was 0). */
  async start(): Promise<{ host: string; port: number }> {
    if (this.#state !== 'new') throw new InvalidStateError(`DnsServer.start() called when ${this.#state}`);
    this.#state = 'starting';
    const { udp, tcp } = await bindUdpAndTcp(this.config.host, this.config.port, this.config.bindAttemptsMax);
    if ((this.#state as string) === 'closed') {
      // close() ran while we were binding: release what we just bound, do not start serving.
      await Promise.all([new Promise<void>((resolve) => tcp.close(() => resolve())), closeQuietly(udp)]);
      throw new InvalidStateError('DnsServer was closed while it was starting');
    }
    this.#udp = udp;
    this.#tcp = tcp;
    udp.socket.on('message', (message: Buffer, from: RemoteInfo) => this.#onDatagram(message, from));
    udp.socket.on('error', (error) => this.#count('udp-socket', error));
    tcp.on('connection', (socket: Socket) => this.#tcpConnections.accept(socket));
    tcp.on('error', (error) => this.#count('tcp-server', error));
    this.#state = 'running';
    this.#log.info({ address: this.address, zone: this.config.zone }, 'dns listening');
    return this.address!;
  }

  /** Where it listens, once started. */
  get address(): { host: string; port: number } | undefined {
    if (this.#udp === undefined || this.#state === 'closed') return undefined;
    const bound: AddressInfo = this.#udp.address();
    return { host: bound.address, port: bound.port };
  }

  get zone(): TaskZone {
    return this.#zone;
  }

  /** Serves `entries` from now on (the SOA serial goes up by one); queries in flight saw the old set. */
  update(entries: readonly TaskEntry[]): TaskZone {
    const serial = (this.#zone.serial + 1) % SERIAL_MODULUS;
    this.#zone = TaskZone.build(entries, this.config, serial);
    this.#answers.clear();
    const skipped = this.#zone.skipped;
    if (skipped.tasks + skipped.addresses > 0)
      this.#log.debug({ ...skipped }, 'tasks or addresses without DNS names');
    return this.#zone;
  }

  stats(): DnsStats {
    this.#stats.tcpConnectionsAccepted = this.#tcpConnections.accepted;
    this.#stats.tcpConnectionsActive = this.#tcpConnections.active;
    this.#stats.answerCacheHits = this.#answers.hits;
    this.#stats.answerCacheMisses = this.#answers.misses;
    return copyDnsStats(this.#stats);
  }

  /** Stops listening, closes every TCP connection, resolves when both sockets are released. */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#state = 'closed';
    const tcp = this.#tcp;
    const tcpClosed =
      tcp === undefined ? Promise.resolve() : new Promise<void>((resolve) => tcp.close(() => resolve()));
    this.#tcpConnections.destroyAll();
    await Promise.all([tcpClosed, this.#udp === undefined ? undefined : closeQuietly(this.#udp)]);
  }

  #onDatagram(message: Buffer, from: RemoteInfo): void {
    const udp = this.#udp;
    if (udp === undefined || this.#state !== 'running') return;
    const response = this.#answerUdp(message, from.address);
    if (response === undefined) return;
    // The socket's own send, not the promise wrapper: one callback instead of a promise per reply.
    udp.socket.send(response, from.port, from.address, (error) => {
      if (error) this.#count('udp-send', error);
    });
  }

  /**
   * Over UDP the source address is unproven, so every response is charged to the client's prefix
   * first. A question asked before is answered from the cache (the id patched in); a new one is
   * prepared, encoded and cached.
   */
  #answerUdp(query: Uint8Array, address: string): Uint8Array | undefined {
    const key = AnswerCache.keyOf(query);
    let answer: CachedAnswer | undefined = key === undefined ? undefined : this.#answers.get(key);
    if (answer === undefined) {
      const prepared = this.#prepareUdp(query);
      if (prepared.kind === 'drop') {
        countOutcome(this.#stats, prepared, 'udp');
        return undefined;
      }
      answer = this.#answers.add(key, prepared);
    }
    if (this.#rrl !== undefined && !this.#exempt.has(address)) {
      const decision = this.#rrl.check(performance.now(), `${this.#prefixOf(address)} ${answer.rateClass}`);
      if (decision !== 'send') {
        // As in BIND, errors never slip: a TC would only bring the same error over TCP.
        const slip = decision === 'slip' && answer.rateClass !== 'error';
        countLimited(this.#stats, slip);
        const prepared = slip ? this.#prepareUdp(query) : undefined;
        return prepared?.kind === 'reply' ? slipAnswer(prepared) : undefined;
      }
    }
    countOutcome(this.#stats, { kind: 'reply', ...answer }, 'udp');
    return withQueryId(answer, query);
  }

  #prepareUdp(query: Uint8Array) {
    return prepareAnswer(this.#zone, query, { via: 'udp', udpPayloadMax: this.config.udpPayloadMax });
  }

  /** Floods and busy clients send from one address over and over: remember the last one. */
  #prefixOf(address: string): string {
    if (address !== this.#lastClient.address)
      this.#lastClient = { address, prefix: clientPrefix(address, this.#prefixLengths) };
    return this.#lastClient.prefix;
  }

  /** TCP proves the source address (the handshake), so it is never rate-limited. */
  #answerTcp(query: Uint8Array): Uint8Array | undefined {
    const outcome = answerQuery(this.#zone, query, { via: 'tcp', udpPayloadMax: this.config.udpPayloadMax });
    countOutcome(this.#stats, outcome, 'tcp');
    return outcome.kind === 'reply' ? outcome.response : undefined;
  }

  #count(kind: SocketEventKind, cause?: unknown): void {
    this.#stats.socket[kind] = (this.#stats.socket[kind] ?? 0) + 1;
    if (cause !== undefined) this.#log.warn({ kind, err: cause }, 'dns socket error');
  }
}
