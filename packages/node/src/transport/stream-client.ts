import { connect } from 'node:net';
import { type Address, TransportError } from '@trellis/runtime';
import type { HostPort } from './address.js';
import { FrameReader, frameHeader } from './frame-reader.js';
import { withPreamble } from './request-preamble.js';
import type { TransportErrorKind } from './transport-stats.js';

export interface StreamRequestOptions {
  /** Our advertised address, sent ahead of the payload (see request-preamble.ts). */
  readonly from: Address;
  readonly target: HostPort;
  readonly payload: Uint8Array;
  readonly timeoutMs: number;
  /** Replies declaring more than this are cut off as oversized. */
  readonly replySizeMax: number;
  /** Called exactly once. */
  readonly onDone: (error: TransportError | undefined, reply: Uint8Array | undefined) => void;
  readonly countError: (kind: TransportErrorKind, cause?: unknown) => void;
}

/** A request in flight; `fail` ends it early (on close) and is a no-op once it is done. */
export interface PendingStreamRequest {
  fail(error: TransportError): void;
}

/**
 * One request over its own TCP connection: connect, write one frame, read one reply frame,
 * close (memberlist's push-pull shape: no multiplexing, no head-of-line blocking between peers).
 * Every way out funnels through `finish`, which is what makes `onDone` exactly-once.
 */
export function startStreamRequest(options: StreamRequestOptions): PendingStreamRequest {
  const { target, payload, replySizeMax, onDone, countError } = options;
  const socket = connect({ host: target.host, port: target.port });
  socket.setNoDelay(true);
  const reader = new FrameReader(replySizeMax);
  let done = false;
  let connected = false;

  const finish = (error: TransportError | undefined, reply?: Uint8Array): void => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    socket.destroy();
    onDone(error, reply);
  };
  const timer = setTimeout(
    () => {
      countError('stream-timeout');
      finish(
        new TransportError(
          'ERR_TRELLIS_TIMEOUT',
          `no reply from ${target.host}:${target.port} within ${options.timeoutMs} ms`,
        ),
      );
    },
    Math.max(0, options.timeoutMs),
  );

  socket.on('connect', () => {
    connected = true;
    const frame = withPreamble(options.from, payload);
    socket.write(Buffer.concat([frameHeader(frame.length), frame]));
  });
  socket.on('data', (chunk: Buffer) => {
    const progress = reader.push(chunk);
    if (progress.state === 'oversized') {
      countError('stream-oversized');
      finish(
        new TransportError(
          'ERR_TRELLIS_OVERSIZED',
          `reply of ${progress.declaredBytes} bytes exceeds streamSizeMax (${replySizeMax})`,
        ),
      );
    } else if (progress.state === 'complete') {
      finish(undefined, progress.payload);
    }
  });
  socket.on('error', (error) => {
    if (done) return;
    countError(connected ? 'stream-reset' : 'stream-connect', error);
    // Only a reset to the connection attempt says nobody listens: once a connection is up, a
    // live process may close it (its stream limit does), and that proves nothing about it.
    const refused = !connected && (error as NodeJS.ErrnoException).code === 'ECONNREFUSED';
    finish(
      new TransportError(
        refused ? 'ERR_TRELLIS_REFUSED' : 'ERR_TRELLIS_UNREACHABLE',
        `stream to ${target.host}:${target.port} failed: ${error.message}`,
        { cause: error },
      ),
    );
  });
  socket.on('close', () => {
    if (done) return;
    countError('stream-reset');
    finish(
      new TransportError(
        'ERR_TRELLIS_UNREACHABLE',
        `stream to ${target.host}:${target.port} closed before a reply`,
      ),
    );
  });
  return { fail: (error) => finish(error) };
}
