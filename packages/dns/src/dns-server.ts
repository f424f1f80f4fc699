import { randomBytes } from 'node:crypto';
import type { AddressInfo, Server, Socket } from 'node:net';
import type { SocketAsPromised } from 'dgram-as-promised';
import { InvalidStateError, type Logger, silentLogger } from '@trellis/runtime';
import type { TaskEntry } from '@trellis/tasks';
import { answerQuery } from './answer-query.js';
import { bindUdpAndTcp, closeQuietly } from '@trellis/node';
import { type DnsConfig, type DnsConfigInput, parseDnsConfig } from './dns-config.js';
import {
  type DnsStats,
  type SocketEventKind,
  addDnsStats,
  copyDnsStats,
  countOutcome,
  emptyDnsStats,
} from './dns-stats.js';
import { TcpConnections } from './tcp-connections.js';
import { TaskZone } from './task-zone.js';
import { UdpAnswerer } from './udp-answerer.js';
import { UdpWorkers } from './udp-workers.js';
import type { WorkerReport } from './worker-messages.js';

export interface DnsServerOptions {
  readonly logger?: Logger;
  /** The first task table; `update` replaces it. Empty (only apex and NS) unless given. */
  readonly entries?: readonly TaskEntry[];
}

const SERIAL_MODULUS = 2 ** 32;
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
  // Secret per server, so no one can aim a flood at another client's buckets.
  readonly #rrlSecret = randomBytes(RRL_SECRET_BYTES);
  readonly #udpAnswerer: UdpAnswerer;
  /** The entries of the zone, for workers that start later. */
  #entries: readonly TaskEntry[];
  #workers: UdpWorkers | undefined;
  #udp: SocketAsPromised | undefined;
  #tcp: Server | undefined;
  #state: 'new' | 'starting' | 'running' | 'closed' = 'new';
  #closing: Promise<void> | undefined;

  /** Throws a ConfigError listing every problem of `config`. */
  constructor(config: DnsConfigInput = {}, options: DnsServerOptions = {}) {
    this.config = parseDnsConfig(config);
    this.#log = (options.logger ?? silentLogger).child({ component: 'dns' });
    this.#entries = options.entries ?? [];
    this.#udpAnswerer = new UdpAnswerer(TaskZone.build(this.#entries, this.config, 1), {
      config: this.config,
      stats: this.#stats,
      count: (kind, cause) => this.#count(kind, cause),
      rrlSecret: this.#rrlSecret,
      rrlShare: 1 / this.config.workers,
    });
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
    if (this.config.workers > 1) await this.#startWorkers(udp);
    this.#udpAnswerer.serve(udp.socket, () => this.#state === 'running');
    tcp.on('connection', (socket: Socket) => this.#tcpConnections.accept(socket));
    tcp.on('error', (error) => this.#count('tcp-server', error));
    this.#state = 'running';
    this.#log.info({ address: this.address, zone: this.config.zone }, 'dns listening');
    return this.address!;
  }

  /** Workers share the bound socket; one that fails to start undoes the whole start. */
  async #startWorkers(udp: SocketAsPromised): Promise<void> {
    const workers = new UdpWorkers({
      count: this.config.workers - 1,
      config: this.config,
      socket: udp.socket,
      rrlSecret: this.#rrlSecret,
      log: this.#log,
      countEvent: (kind, cause) => this.#count(kind, cause),
    });
    this.#workers = workers;
    try {
      await workers.start(this.#entries, this.zone.serial);
      if ((this.#state as string) === 'closed')
        throw new InvalidStateError('DnsServer was closed while it was starting');
    } catch (error) {
      this.#workers = undefined;
      await this.close();
      throw error;
    }
  }

  /** Where it listens, once started. */
  get address(): { host: string; port: number } | undefined {
    if (this.#udp === undefined || this.#state === 'closed') return undefined;
    const bound: AddressInfo = this.#udp.address();
    return { host: bound.address, port: bound.port };
  }

  get zone(): TaskZone {
    return this.#udpAnswerer.zone;
  }

  /** Serves `entries` from now on (the SOA serial goes up by one); queries in flight saw the old set. */
  update(entries: readonly TaskEntry[]): TaskZone {
    const serial = (this.zone.serial + 1) % SERIAL_MODULUS;
    const zone = TaskZone.build(entries, this.config, serial);
    this.#udpAnswerer.setZone(zone);
    this.#entries = entries;
    this.#workers?.update(entries, serial);
    const skipped = zone.skipped;
    if (skipped.tasks + skipped.addresses > 0)
      this.#log.debug({ ...skipped }, 'tasks or addresses without DNS names');
    return zone;
  }

  stats(): DnsStats {
    this.#stats.tcpConnectionsAccepted = this.#tcpConnections.accepted;
    this.#stats.tcpConnectionsActive = this.#tcpConnections.active;
    this.#stats.answerCacheHits = this.#udpAnswerer.cacheHits;
    this.#stats.answerCacheMisses = this.#udpAnswerer.cacheMisses;
    const total = copyDnsStats(this.#stats);
    // Workers report every second: their share of the counters lags by at most that.
    for (const part of this.#workers?.lastStats() ?? []) addDnsStats(total, part);
    return total;
  }

  /** Each worker process's pid, zone serial and counters, asked now; empty with `workers` 1. */
  workerReports(): Promise<WorkerReport[]> {
    return this.#workers?.reports() ?? Promise.resolve([]);
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
    await Promise.all([
      tcpClosed,
      this.#udp === undefined ? undefined : closeQuietly(this.#udp),
      this.#workers?.close(),
    ]);
  }

  /** TCP proves the source address (the handshake), so it is never rate-limited. */
  #answerTcp(query: Uint8Array): Uint8Array | undefined {
    const outcome = answerQuery(this.zone, query, { via: 'tcp', udpPayloadMax: this.config.udpPayloadMax });
    countOutcome(this.#stats, outcome, 'tcp');
    return outcome.kind === 'reply' ? outcome.response : undefined;
  }

  #count(kind: SocketEventKind, cause?: unknown): void {
    this.#stats.socket[kind] = (this.#stats.socket[kind] ?? 0) + 1;
    if (cause !== undefined) this.#log.warn({ kind, err: cause }, 'dns socket error');
  }
}
