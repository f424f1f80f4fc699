import type { Socket } from 'node:net';
import type { Address } from '@trellis/runtime';
import { FrameReader, frameHeader } from './frame-reader.js';
import { PREAMBLE_BYTES_MAX, readPreamble } from './request-preamble.js';
import { StreamSlots } from './stream-slots.js';
import type { TransportErrorKind } from './transport-stats.js';

export interface InboundStreamsOptions {
  readonly requestSizeMax: number;
  /** The same limit applies to our replies: the caller is assumed to share the config. */
  readonly replySizeMax: number;
  /** The whole connection (read the request, answer it) must end within this. */
  readonly deadlineMs: number;
  readonly inboundMax: number;
  /** Connections one source IP may hold at once. */
  readonly perSourceMax: number;
  /** The complete request frame must be in within this. */
  readonly firstFrameMs: number;
  /** Returns false when no receiver is installed (the connection is then dropped). */
  readonly onRequest: (from: Address, payload: Uint8Array, reply: (payload: Uint8Array) => void) => boolean;
  readonly countError: (kind: TransportErrorKind, cause?: unknown) => void;
  readonly onReplied: (bytes: number) => void;
}

/**
 * Server side of the request stream: a bounded number of connections, each one frame in and at
 * most one frame out under a deadline, so a slow or hostile peer holds at most `inboundMax`
 * sockets of at most `requestSizeMax` bytes each, for at most `deadlineMs`. Holding slots to
 * starve joins does not work either: a source IP gets `perSourceMax` of them, a connection
 * that has not delivered its request within `firstFrameMs` is cut, and when all slots are taken
 * the waiting connection that received the fewest bytes gives way to the new one (StreamSlots).
 */
export class InboundStreams {
  readonly #options: InboundStreamsOptions;
  readonly #slots: StreamSlots;

  constructor(options: InboundStreamsOptions) {
    this.#options = options;
    this.#slots = new StreamSlots(options.inboundMax, options.perSourceMax);
  }

  get active(): number {
    return this.#slots.size;
  }

  accept(socket: Socket): void {
    const o = this.#options;
    const admitted = this.#slots.admit(socket, (victim) => {
      o.countError('stream-evicted');
      victim.destroy();
    });
    if (admitted !== 'ok') {
      o.countError(admitted === 'source' ? 'stream-source-limit' : 'stream-inbound-limit');
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const reader = new FrameReader(o.requestSizeMax + PREAMBLE_BYTES_MAX);
    let requested = false;
    const deadline = setTimeout(() => {
      o.countError('stream-deadline');
      socket.destroy();
    }, o.deadlineMs);
    const firstFrame = setTimeout(() => {
      o.countError('stream-first-frame');
      socket.destroy();
    }, o.firstFrameMs);
    socket.on('close', () => {
      clearTimeout(deadline);
      clearTimeout(firstFrame);
      this.#slots.release(socket);
    });
    socket.on('error', (error) => o.countError('stream-reset', error));
    socket.on('data', (chunk: Buffer) => {
      if (requested) return;
      this.#slots.received(socket, chunk.length);
      const progress = reader.push(chunk);
      if (progress.state === 'oversized') {
        o.countError('stream-oversized');
        socket.destroy();
      } else if (progress.state === 'complete') {
        requested = true;
        clearTimeout(firstFrame);
        this.#slots.requested(socket);
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
    for (const socket of this.#slots.all()) socket.destroy();
    this.#slots.clear();
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
