import type { AddressInfo, Server, Socket } from 'node:net';
import type { RemoteInfo, SocketAsPromised } from 'dgram-as-promised';
import { InvalidStateError, type Logger, silentLogger } from '@trellis/runtime';
import type { TaskEntry } from '@trellis/tasks';
import { answerQuery } from './answer-query.js';
import { bindUdpAndTcp, closeQuietly } from '@trellis/node';
import { type DnsConfig, type DnsConfigInput, parseDnsConfig } from './dns-config.js';
import {
  type DnsStats,
  type SocketEventKind,
  copyDnsStats,
  countOutcome,
  emptyDnsStats,
} from './dns-stats.js';
import { TcpConnections } from './tcp-connections.js';
import { TaskZone } from './task-zone.js';

export interface DnsServerOptions {
  readonly logger?: Logger;
  /** The first task table; `update` replaces it. Empty (only apex and NS) unless given. */
  readonly entries?: readonly TaskEntry[];
}

const SERIAL_MODULUS = 2 ** 32;

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
  #zone: TaskZone;
  #udp: SocketAsPromised | undefined;
  #tcp: Server | undefined;
  #state: 'new' | 'starting' | 'running' | 'closed' = 'new';
  #closing: Promise<void> | undefined;

  /** Throws a ConfigError listing every problem of `config`. */
  constructor(config: DnsConfigInput = {}, options: DnsServerOptions = {}) {
    this.config = parseDnsConfig(config);
    this.#log = (options.logger ?? silentLogger).child({ component: 'dns' });
    this.#zone = TaskZone.build(options.entries ?? [], this.config, 1);
    this.#tcpConnections = new TcpConnections({
      connectionsMax: this.config.tcpConnectionsMax,
      idleMs: this.config.tcpIdleMs,
      queryBytesMax: this.config.tcpQueryBytesMax,
      backlogBytesMax: this.config.tcpBacklogBytesMax,
      onQuery: (query) => this.#answer(query, 'tcp'),
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
    const skipped = this.#zone.skipped;
    if (skipped.tasks + skipped.addresses > 0)
      this.#log.debug({ ...skipped }, 'tasks or addresses without DNS names');
    return this.#zone;
  }

  stats(): DnsStats {
    this.#stats.tcpConnectionsAccepted = this.#tcpConnections.accepted;
    this.#stats.tcpConnectionsActive = this.#tcpConnections.active;
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
    const response = this.#answer(message, 'udp');
    if (response === undefined) return;
    udp.send(response, from.port, from.address).catch((error: unknown) => this.#count('udp-send', error));
  }

  #answer(query: Uint8Array, via: 'udp' | 'tcp'): Uint8Array | undefined {
    const outcome = answerQuery(this.#zone, query, { via, udpPayloadMax: this.config.udpPayloadMax });
    countOutcome(this.#stats, outcome, via);
    return outcome.kind === 'reply' ? outcome.response : undefined;
  }

  #count(kind: SocketEventKind, cause?: unknown): void {
    this.#stats.socket[kind] = (this.#stats.socket[kind] ?? 0) + 1;
    if (cause !== undefined) this.#log.warn({ kind, err: cause }, 'dns socket error');
  }
}
