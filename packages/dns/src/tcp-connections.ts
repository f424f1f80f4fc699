import type { Socket } from 'node:net';
import { clientPrefix } from './client-prefix.js';
import type { SocketEventKind } from './dns-stats.js';

/** RFC 1035 §4.2.2: each message on TCP is preceded by its length in two bytes. */
const LENGTH_BYTES = 2;
const HEADER_BYTES = 12;
/**
 * Who counts as one client: an IPv4 address, or an IPv6 /64, the least a host is given, since
 * it may connect from any address in it. An IPv4-mapped address is its IPv4 address.
 */
const CLIENT = { ipv4: 32, ipv6: 64 } as const;

export interface TcpConnectionsOptions {
  readonly connectionsMax: number;
  readonly connectionsPerClientMax: number;
  /** Until the first complete query; `idleMs` applies between queries. */
  readonly firstQueryMs: number;
  readonly idleMs: number;
  readonly queryBytesMax: number;
  readonly backlogBytesMax: number;
  /** Answers one query; undefined means the message is dropped (and the connection closed). */
  readonly onQuery: (query: Uint8Array) => Uint8Array | undefined;
  readonly count: (kind: SocketEventKind, cause?: unknown) => void;
}

/**
 * DNS over TCP, server side (RFC 7766): length-prefixed queries, several per connection, answered
 * in order. Everything a client can make us hold is bounded: `connectionsMax` sockets and
 * `connectionsPerClientMax` of them per client (IPv4 address or IPv6 /64: one client cannot take
 * them all), one
 * partial query of at most `queryBytesMax` each, `backlogBytesMax` of unread replies,
 * `firstQueryMs` to send a first complete query and `idleMs` between queries.
 */
export class TcpConnections {
  readonly #o: TcpConnectionsOptions;
  readonly #sockets = new Set<Socket>();
  /** Open connections per client; a client leaves the map with its last connection. */
  readonly #perClient = new Map<string, number>();
  accepted = 0;

  constructor(options: TcpConnectionsOptions) {
    this.#o = options;
  }

  get active(): number {
    return this.#sockets.size;
  }

  accept(socket: Socket): void {
    socket.on('error', (error) => this.#o.count('tcp-socket', error));
    const client = this.#admit(socket);
    if (client === undefined) {
      socket.destroy();
      return;
    }
    this.accepted++;
    this.#sockets.add(socket);
    this.#perClient.set(client, (this.#perClient.get(client) ?? 0) + 1);
    socket.on('close', () => {
      this.#sockets.delete(socket);
      const left = (this.#perClient.get(client) ?? 1) - 1;
      if (left > 0) this.#perClient.set(client, left);
      else this.#perClient.delete(client);
    });
    socket.setNoDelay(true);
    this.#serve(socket);
  }

  /** The client (address or /64) if the connection may stay; else undefined, counted by reason. */
  #admit(socket: Socket): string | undefined {
    // Undefined once the peer has already gone: nothing to serve, nothing to count against it.
    const address = socket.remoteAddress;
    if (address === undefined) return undefined;
    const client = clientPrefix(address, CLIENT);
    if (this.#sockets.size >= this.#o.connectionsMax) {
      this.#o.count('tcp-limit');
      return undefined;
    }
    if ((this.#perClient.get(client) ?? 0) >= this.#o.connectionsPerClientMax) {
      this.#o.count('tcp-client-limit');
      return undefined;
    }
    return client;
  }

  #serve(socket: Socket): void {
    const o = this.#o;
    const close = (): void => {
      o.count('tcp-idle');
      socket.destroy();
    };
    // Re-armed on each complete query only: trickling bytes does not keep a connection alive.
    let idle = setTimeout(close, o.firstQueryMs);
    let queried = false;
    socket.on('close', () => clearTimeout(idle));
    let pending: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
      while (pending.length >= LENGTH_BYTES && !socket.destroyed) {
        const length = pending.readUInt16BE(0);
        if (length < HEADER_BYTES || length > o.queryBytesMax) {
          o.count('tcp-bad-frame');
          socket.destroy();
          return;
        }
        if (pending.length < LENGTH_BYTES + length) return;
        const query = pending.subarray(LENGTH_BYTES, LENGTH_BYTES + length);
        pending = pending.subarray(LENGTH_BYTES + length);
        if (queried) idle.refresh();
        else {
          // From now on the (longer) idle timeout between queries applies.
          queried = true;
          clearTimeout(idle);
          idle = setTimeout(close, o.idleMs);
        }
        this.#answer(socket, query);
      }
    });
  }

  #answer(socket: Socket, query: Uint8Array): void {
    const o = this.#o;
    const response = o.onQuery(query);
    if (response === undefined) {
      // The client would wait for an answer that never comes: tell it by closing.
      o.count('tcp-dropped-message');
      socket.destroy();
      return;
    }
    const prefix = Buffer.alloc(LENGTH_BYTES);
    prefix.writeUInt16BE(response.length);
    socket.write(Buffer.concat([prefix, response]));
    if (socket.writableLength > o.backlogBytesMax) {
      o.count('tcp-backlog');
      socket.destroy();
    }
  }

  destroyAll(): void {
    for (const socket of this.#sockets) socket.destroy();
  }
}
