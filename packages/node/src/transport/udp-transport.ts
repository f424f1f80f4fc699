import { type Server, type Socket, isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import type { SocketAsPromised } from 'dgram-as-promised';
import {
  type Address,
  type Logger,
  type Transport,
  type TransportReceiver,
  TransportError,
  silentLogger,
} from '@trellis/runtime';
import { formatAddress, parseAddress } from './address.js';
import { type PendingStreamRequest, startStreamRequest } from './stream-client.js';
import { InboundStreams } from './stream-server.js';
import { type TransportErrorKind, type TransportStats, emptyTransportStats } from './transport-stats.js';
import {
  type UdpTransportConfig,
  type UdpTransportOptions,
  parseUdpTransportConfig,
} from './udp-transport-config.js';
import { bindUdpAndTcp } from './bind.js';

/**
 * The real network under the `Transport` contract: datagrams over UDP, requests over TCP on the
 * same port number (as memberlist does, so one address names both). Nothing a peer or the
 * network does throws out of it: socket errors are logged through the injected logger and
 * counted in `stats()`.
 */
export class UdpTransport implements Transport {
  readonly localAddress: Address;
  readonly datagramSizeMax: number;
  readonly streamSizeMax: number;
  readonly config: UdpTransportConfig;
  readonly #udp: SocketAsPromised;
  readonly #tcp: Server;
  readonly #log: Logger;
  readonly #stats = emptyTransportStats();
  readonly #pending = new Set<PendingStreamRequest>();
  readonly #inbound: InboundStreams;
  #receiver: TransportReceiver | undefined;
  #closing: Promise<void> | undefined;

  /** Use `createUdpTransport`, which binds the sockets first. */
  constructor(config: UdpTransportConfig, udp: SocketAsPromised, tcp: Server, logger: Logger) {
    this.config = config;
    this.datagramSizeMax = config.datagramSizeMax;
    this.streamSizeMax = config.streamSizeMax;
    this.#udp = udp;
    this.#tcp = tcp;
    this.#log = logger;
    const port = config.advertisePort ?? udp.address().port;
    this.localAddress = formatAddress(config.advertiseHost ?? defaultAdvertiseHost(config.bindHost), port);
    this.#inbound = new InboundStreams({
      requestSizeMax: config.streamSizeMax,
      replySizeMax: config.streamSizeMax,
      deadlineMs: config.streamDeadlineMs,
      inboundMax: config.maxInboundStreams,
      perSourceMax: config.maxInboundStreamsPerSource,
      firstFrameMs: config.streamFirstFrameMs,
      onRequest: (from, payload, reply) => this.#onRequest(from, payload, reply),
      countError: (kind, cause) => this.#countError(kind, cause),
      onReplied: (bytes) => {
        this.#stats.repliesOut++;
        this.#stats.bytesOut += bytes;
      },
    });
    udp.socket.on('message', (msg: Buffer, rinfo) =>
      this.#onDatagram(formatAddress(rinfo.address, rinfo.port), msg),
    );
    udp.socket.on('error', (error) => this.#countError('udp-socket', error));
    tcp.on('connection', (socket: Socket) => this.#inbound.accept(socket));
    tcp.on('error', (error) => this.#countError('stream-server', error));
  }

  sendDatagram(to: Address, payload: Uint8Array): void {
    this.#assertOpen();
    if (payload.length > this.datagramSizeMax) {
      throw new TransportError(
        'ERR_TRELLIS_OVERSIZED',
        `datagram of ${payload.length} bytes exceeds datagramSizeMax (${this.datagramSizeMax})`,
      );
    }
    const target = parseAddress(to);
    if (!target) {
      this.#countError('bad-address', undefined, { to });
      return;
    }
    this.#stats.packetsOut++;
    this.#stats.bytesOut += payload.length;
    // dgram reads the buffer only after an asynchronous address lookup; the caller may reuse it
    // as soon as we return, so send a copy.
    this.#udp
      .send(Buffer.from(payload), target.port, target.host)
      .catch((error: unknown) => this.#countError('udp-send', error, { to }));
  }

  request(
    to: Address,
    payload: Uint8Array,
    timeoutMs: number,
    onReply: (error: TransportError | undefined, reply: Uint8Array | undefined) => void,
  ): void {
    this.#assertOpen();
    if (payload.length > this.streamSizeMax) {
      throw new TransportError(
        'ERR_TRELLIS_OVERSIZED',
        `request of ${payload.length} bytes exceeds streamSizeMax (${this.streamSizeMax})`,
      );
    }
    const target = parseAddress(to);
    if (!target) {
      this.#countError('bad-address', undefined, { to });
      // Deferred like every other outcome, so onReply never runs inside request().
      queueMicrotask(() =>
        onReply(
          new TransportError('ERR_TRELLIS_UNREACHABLE', `not a host:port address: ${JSON.stringify(to)}`),
          undefined,
        ),
      );
      return;
    }
    this.#stats.requestsOut++;
    this.#stats.bytesOut += payload.length;
    const pending = startStreamRequest({
      from: this.localAddress,
      target,
      payload,
      timeoutMs,
      replySizeMax: this.streamSizeMax,
      countError: (kind, cause) => this.#countError(kind, cause, { to }),
      onDone: (error, reply) => {
        this.#pending.delete(pending);
        if (reply) {
          this.#stats.repliesIn++;
          this.#stats.bytesIn += reply.length;
        }
        this.#guard('onReply', () => onReply(error, reply));
      },
    });
    this.#pending.add(pending);
  }

  listen(receiver: TransportReceiver): void {
    this.#receiver = receiver;
  }

  close(): void {
    void this.whenClosed();
  }

  /** Closes (if not yet) and resolves once both sockets are released. */
  whenClosed(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  get closed(): boolean {
    return this.#closing !== undefined;
  }

  /** A snapshot of the counters. */
  stats(): TransportStats {
    return { ...this.#stats, inboundStreamsActive: this.#inbound.active, errors: { ...this.#stats.errors } };
  }

  async #close(): Promise<void> {
    this.#receiver = undefined;
    for (const pending of [...this.#pending]) {
      pending.fail(new TransportError('ERR_TRELLIS_CLOSED', 'transport closed before the reply'));
    }
    this.#inbound.destroyAll();
    const tcpClosed = new Promise<void>((resolve) => this.#tcp.close(() => resolve()));
    const udpClosed = this.#udp.close().catch((error: unknown) => this.#countError('udp-socket', error));
    await Promise.all([tcpClosed, udpClosed]);
  }

  #onDatagram(from: Address, payload: Buffer): void {
    const receiver = this.#receiver;
    if (!receiver) {
      this.#stats.packetsDropped++;
      return;
    }
    if (payload.length > this.datagramSizeMax) {
      this.#stats.packetsOversizedIn++;
      return;
    }
    this.#stats.packetsIn++;
    this.#stats.bytesIn += payload.length;
    this.#guard('onDatagram', () => receiver.onDatagram(from, payload));
  }

  #onRequest(from: Address, payload: Uint8Array, reply: (payload: Uint8Array) => void): boolean {
    const receiver = this.#receiver;
    if (!receiver) return false;
    this.#stats.requestsIn++;
    this.#stats.bytesIn += payload.length;
    this.#guard('onRequest', () => receiver.onRequest(from, payload, reply));
    return true;
  }

  /** A throwing receiver is a bug in the caller, but an event-loop callback must not crash the process. */
  #guard(what: string, call: () => void): void {
    try {
      call();
    } catch (error) {
      this.#countError('receiver', error, { callback: what });
    }
  }

  #assertOpen(): void {
    if (this.#closing) throw new TransportError('ERR_TRELLIS_CLOSED', 'transport is closed');
  }

  #countError(kind: TransportErrorKind, cause?: unknown, fields: object = {}): void {
    this.#stats.errors[kind] = (this.#stats.errors[kind] ?? 0) + 1;
    const level = kind === 'receiver' ? 'error' : 'debug';
    this.#log[level]({ ...fields, kind, err: cause }, `transport: ${kind}`);
  }
}

/** Binds UDP and then TCP on the same port and returns the started transport. */
export async function createUdpTransport(options: UdpTransportOptions): Promise<UdpTransport> {
  const config = parseUdpTransportConfig(options);
  const logger = (options.logger ?? silentLogger).child({ component: 'udp-transport' });
  const { udp, tcp } = await bindUdpAndTcp(config.bindHost, config.bindPort, config.bindAttemptsMax);
  return new UdpTransport(config, udp, tcp, logger);
}

/** An unspecified bind address cannot be advertised: pick the first external IPv4, as memberlist does. */
function defaultAdvertiseHost(bindHost: string): string {
  if (bindHost !== '0.0.0.0' && bindHost !== '::') return bindHost;
  for (const addresses of Object.values(networkInterfaces())) {
    for (const a of addresses ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return isIP(bindHost) === 6 ? '::1' : '127.0.0.1';
}
