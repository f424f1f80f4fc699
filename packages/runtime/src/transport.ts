import { TrellisError } from './errors.js';

/** A network address as `host:port` (IPv6 hosts in brackets: `[::1]:7946`). */
export type Address = string;

/**
 * The network seam between a driver and the world. Two channels, as memberlist has:
 * - datagrams: unreliable, unordered, at most `datagramSizeMax` bytes; loss is silent;
 * - requests over a reliable stream: one framed payload out, one framed reply back (or an
 *   error), used for push-pull anti-entropy, stream probes and anything too big for a datagram.
 *
 * Callbacks rather than promises keep the simulated transport synchronous and deterministic.
 * The simulator's hosts and the UDP/TCP transport in @trellis/node both pass the same contract
 * test suite (`@trellis/sim` exports it).
 */
export interface Transport {
  readonly localAddress: Address;
  readonly datagramSizeMax: number;
  readonly streamSizeMax: number;

  /**
   * Sends one datagram. Throws `TransportError` (code `ERR_TRELLIS_OVERSIZED` or
   * `ERR_TRELLIS_CLOSED`) on local misuse; network loss is silent.
   */
  sendDatagram(to: Address, payload: Uint8Array): void;

  /**
   * Sends one request over a reliable stream and calls `onReply` exactly once: with the reply,
   * or with a `TransportError` (unreachable, reset, timeout, oversized reply).
   */
  request(
    to: Address,
    payload: Uint8Array,
    timeoutMs: number,
    onReply: (error: TransportError | undefined, reply: Uint8Array | undefined) => void,
  ): void;

  /** Installs the receiver; until then incoming traffic is dropped. */
  listen(receiver: TransportReceiver): void;

  /** Stops sending and receiving; pending requests fail with `ERR_TRELLIS_CLOSED`. Idempotent. */
  close(): void;
}

export interface TransportReceiver {
  onDatagram(from: Address, payload: Uint8Array): void;
  /**
   * A request arrived. Call `reply` at most once (a request never answered fails at the caller
   * with a timeout); a reply larger than `streamSizeMax` fails the request at the caller.
   */
  onRequest(from: Address, payload: Uint8Array, reply: (payload: Uint8Array) => void): void;
}

/**
 * Why a request failed. `ERR_TRELLIS_REFUSED` is the target's own kernel answering that nobody
 * listens there (a reset to the connection attempt): the process is gone although its host is up.
 * `ERR_TRELLIS_UNREACHABLE` is every other failure to get an answer through: a reset or close
 * after the connection was accepted (a live process may do that, e.g. at its stream limit), a
 * host or network unreachable, an address that is not one.
 */
export type TransportErrorCode =
  | 'ERR_TRELLIS_OVERSIZED'
  | 'ERR_TRELLIS_CLOSED'
  | 'ERR_TRELLIS_REFUSED'
  | 'ERR_TRELLIS_UNREACHABLE'
  | 'ERR_TRELLIS_TIMEOUT';

export class TransportError extends TrellisError {
  override readonly name = 'TransportError';
  readonly code: TransportErrorCode;

  constructor(code: TransportErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}
