import type { Socket } from 'node:net';
import type { Address } from '@trellis/runtime';
import { FrameReader, frameHeader } from './frame-reader.js';
import { PREAMBLE_BYTES_MAX, readPreamble } from './request-preamble.js';
import type { TransportErrorKind } from './transport-stats.js';

export interface InboundStreamsOptions {
  readonly requestSizeMax: number;
  /** The same limit applies to our replies: the caller is assumed to share the config. */
  readonly replySizeMax: number;
  /** The whole connection (read the request, answer it) must end within this. */
  readonly deadlineMs: number;
  readonly inboundMax: number;
  /** Returns false when no receiver is installed (the connection is then dropped). */
  readonly onRequest: (from: Address, payload: Uint8Array, reply: (payload: Uint8Array) => void) => boolean;
  readonly countError: (kind: TransportErrorKind, cause?: unknown) => void;
  readonly onReplied: (bytes: number) => void;
}

/**
 * Server side of the request stream: a bounded number of connections, each one frame in and at
 * most one frame out under a deadline, so a slow or hostile peer holds at most `inboundMax`
 * sockets of at most `requestSizeMax` bytes each, for at most `deadlineMs`.
 */
export class InboundStreams {
  readonly #options: InboundStreamsOptions;
  readonly #sockets = new Set<Socket>();

  constructor(options: InboundStreamsOptions) {
    this.#options = options;
  }

  get active(): number {
    return this.#sockets.size;
  }

  accept(socket: Socket): void {
    const o = this.#options;
    if (this.#sockets.size >= o.inboundMax) {
      o.countError('stream-inbound-limit');
      socket.destroy();
      return;
    }
    this.#sockets.add(socket);
    socket.setNoDelay(true);
    const reader = new FrameReader(o.requestSizeMax + PREAMBLE_BYTES_MAX);
    let requested = false;
    const deadline = setTimeout(() => {
      o.countError('stream-deadline');
      socket.destroy();
    }, o.deadlineMs);
    socket.on('close', () => {
      clearTimeout(deadline);
      this.#sockets.delete(socket);
    });
    socket.on('error', (error) => o.countError('stream-reset', error));
    socket.on('data', (chunk: Buffer) => {
      if (requested) return;
      const progress = reader.push(chunk);
      if (progress.state === 'oversized') {
        o.countError('stream-oversized');
        socket.destroy();
      } else if (progress.state === 'complete') {
        requested = true;
        this.#request(socket, progress.payload);
      }
    });
  }

  #request(socket: Socket, frame: Uint8Array): void {
    const o = this.#options;
    const request = readPreamble(frame);
    if (!request.ok || request.payload.length > o.requestSizeMax) {
      o.countError(request.ok ? 'stream-oversized' : 'stream-bad-preamble');
      socket.destroy();
      return;
    }
    if (!o.onRequest(request.from, request.payload, (reply) => this.#reply(socket, reply))) socket.destroy();
  }

  destroyAll(): void {
    for (const socket of this.#sockets) socket.destroy();
    this.#sockets.clear();
  }

  #reply(socket: Socket, payload: Uint8Array): void {
    // A second reply, or one after the deadline, has nowhere to go.
    if (socket.writableEnded || socket.destroyed) return;
    if (payload.length > this.#options.replySizeMax) {
      // Only the header: the caller sees the declared size, fails the request as oversized, and
      // nobody pushes megabytes through the network to be thrown away.
      this.#options.countError('stream-oversized');
      socket.end(frameHeader(payload.length));
      return;
    }
    socket.end(Buffer.concat([frameHeader(payload.length), payload]));
    this.#options.onReplied(payload.length);
  }
}
