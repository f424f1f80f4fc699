import type { Socket } from 'node:net';
import type { SocketEventKind } from './dns-stats.js';

/** RFC 1035 §4.2.2: each message on TCP is preceded by its length in two bytes. */
const LENGTH_BYTES = 2;
const HEADER_BYTES = 12;

export interface TcpConnectionsOptions {
  readonly connectionsMax: number;
  readonly idleMs: number;
  readonly queryBytesMax: number;
  readonly backlogBytesMax: number;
  /** Answers one query; undefined means the message is dropped (and the connection closed). */
  readonly onQuery: (query: Uint8Array) => Uint8Array | undefined;
  readonly count: (kind: SocketEventKind, cause?: unknown) => void;
}

/**
 * DNS over TCP, server side (RFC 7766): length-prefixed queries, several per connection, answered
 * in order. Everything a client can make us hold is bounded: `connectionsMax` sockets, one
 * partial query of at most `queryBytesMax` each, `backlogBytesMax` of unread replies, and
 * `idleMs` without a complete query.
 */
export class TcpConnections {
  readonly #o: TcpConnectionsOptions;
  readonly #sockets = new Set<Socket>();
  accepted = 0;

  constructor(options: TcpConnectionsOptions) {
    this.#o = options;
  }

  get active(): number {
    return this.#sockets.size;
  }

  accept(socket: Socket): void {
    const o = this.#o;
    socket.on('error', (error) => o.count('tcp-socket', error));
    if (this.#sockets.size >= o.connectionsMax) {
      o.count('tcp-limit');
      socket.destroy();
      return;
    }
    this.accepted++;
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    // Refreshed on each complete query only: trickling bytes does not keep a connection alive.
    const idle = setTimeout(() => {
      o.count('tcp-idle');
      socket.destroy();
    }, o.idleMs);
    socket.on('close', () => {
      clearTimeout(idle);
      this.#sockets.delete(socket);
    });
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
        idle.refresh();
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
