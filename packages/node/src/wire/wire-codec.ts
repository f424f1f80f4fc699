import { TrellisError } from '@trellis/runtime';
import { SEAL_OVERHEAD_BYTES, type Keyring } from '../keyring.js';
import { ENVELOPE_HEADER_BYTES, envelopeHeader, readEnvelopeHeader } from './envelope.js';
import { type BodyRejection, decodeBody, encodeBody, encodeMessage } from './msgpack-body.js';
import { scanMsgpack, type ScanLimits } from './msgpack-scan.js';
import { packMessages } from './packet-packer.js';
import { type WireConfig, parseWireConfig } from './wire-config.js';

/** Why a packet or frame was rejected. Each is a peer's (or an attacker's) problem, counted. */
export type RejectionReason =
  | 'oversized'
  | 'truncated'
  | 'version'
  | 'flags'
  | 'unexpected-encrypted'
  | 'unexpected-plaintext'
  | 'decrypt'
  | BodyRejection;

export type DecodeResult =
  | { readonly ok: true; readonly messages: unknown[] }
  | { readonly ok: false; readonly reason: RejectionReason };

export type Channel = 'datagram' | 'stream';

export interface WireCodecOptions extends Partial<WireConfig> {
  /** Encrypt with this keyring; without one the codec speaks (and accepts only) plaintext. */
  readonly keyring?: Keyring | undefined;
}

/** A frame or message too big for the stream: the caller's mistake, so it throws. */
export class FrameTooLargeError extends TrellisError {
  override readonly name = 'FrameTooLargeError';
  readonly code = 'ERR_TRELLIS_OVERSIZED';
}

/**
 * The one place where messages become wire bytes and back: envelope, msgpack body and, when a
 * keyring is given, AES-256-GCM with `header | label` as associated data (so neither the flags
 * nor the cluster can be swapped). `decode` never throws: every rejection is counted by reason.
 */
export class WireCodec {
  readonly config: WireConfig;
  readonly #keyring: Keyring | undefined;
  readonly #label: Uint8Array;
  readonly #rejections = new Map<RejectionReason, number>();
  readonly #frameLimits: ScanLimits;
  readonly #datagramLimits: ScanLimits;

  constructor(options: WireCodecOptions = {}) {
    const { keyring, ...config } = options;
    this.config = parseWireConfig(config);
    this.#frameLimits = { itemsMax: this.config.frameItemsMax, keysMax: this.config.frameKeysMax };
    const d = this.config.datagramSizeMax;
    this.#datagramLimits = { itemsMax: d, keysMax: d };
    this.#keyring = keyring;
    this.#label = new TextEncoder().encode(this.config.label);
  }

  get encrypted(): boolean {
    return this.#keyring !== undefined;
  }

  /** Bytes the envelope and encryption add to a body. */
  get overheadBytes(): number {
    return ENVELOPE_HEADER_BYTES + (this.#keyring ? SEAL_OVERHEAD_BYTES : 0);
  }

  /** Compound packets within `packetBudgetBytes`; too-big messages come back in `oversized`. */
  encodeDatagrams(messages: readonly unknown[]): { packets: Uint8Array[]; oversized: unknown[] } {
    const { groups, oversized } = packMessages(
      messages,
      this.config.packetBudgetBytes,
      this.overheadBytes,
      this.config.datagramMessagesMax,
    );
    return { packets: groups.map((group) => this.#seal(encodeBody(group))), oversized };
  }

  /** One stream frame payload holding all `messages`. Throws `FrameTooLargeError` past the limits. */
  encodeFrame(messages: readonly unknown[]): Uint8Array {
    if (messages.length > this.config.frameMessagesMax) {
      throw new FrameTooLargeError(
        `${messages.length} messages exceed frameMessagesMax (${this.config.frameMessagesMax})`,
      );
    }
    const body = encodeBody(messages.map(encodeMessage));
    // Peers refuse a frame of more values than this (decode time): say so here, not there.
    if (scanMsgpack(body, this.#frameLimits) === 'tooMany') {
      throw new FrameTooLargeError(
        `frame holds more than frameItemsMax (${this.config.frameItemsMax}) values or frameKeysMax (${this.config.frameKeysMax}) keys`,
      );
    }
    const frame = this.#seal(body);
    if (frame.length > this.config.streamSizeMax) {
      throw new FrameTooLargeError(
        `frame of ${frame.length} bytes exceeds streamSizeMax (${this.config.streamSizeMax})`,
      );
    }
    return frame;
  }

  /** Decodes a datagram (`channel` 'datagram') or a stream frame payload ('stream'). */
  decode(bytes: Uint8Array, channel: Channel = 'datagram'): DecodeResult {
    const result = this.#decode(bytes, channel);
    if (!result.ok) this.#rejections.set(result.reason, (this.#rejections.get(result.reason) ?? 0) + 1);
    return result;
  }

  /** Rejections so far, by reason. */
  rejections(): Readonly<Partial<Record<RejectionReason, number>>> {
    return Object.fromEntries(this.#rejections);
  }

  get rejectedTotal(): number {
    let total = 0;
    for (const n of this.#rejections.values()) total += n;
    return total;
  }

  #decode(bytes: Uint8Array, channel: Channel): DecodeResult {
    const sizeMax = channel === 'datagram' ? this.config.datagramSizeMax : this.config.streamSizeMax;
    if (bytes.length > sizeMax) return { ok: false, reason: 'oversized' };
    const envelope = readEnvelopeHeader(bytes);
    if (!envelope.ok) return envelope;
    const messagesMax =
      channel === 'datagram' ? this.config.datagramMessagesMax : this.config.frameMessagesMax;
    // A datagram's few kilobytes decode in microseconds, whatever they hold.
    const limits = channel === 'datagram' ? this.#datagramLimits : this.#frameLimits;
    if (!this.#keyring) {
      if (envelope.header.encrypted) return { ok: false, reason: 'unexpected-encrypted' };
      return decodeBody(envelope.body, messagesMax, limits);
    }
    if (!envelope.header.encrypted) return { ok: false, reason: 'unexpected-plaintext' };
    if (envelope.body.length < SEAL_OVERHEAD_BYTES) return { ok: false, reason: 'truncated' };
    const opened = this.#keyring.open(
      envelope.body,
      this.#associatedData(bytes.subarray(0, ENVELOPE_HEADER_BYTES)),
    );
    if (!opened.ok) return opened;
    return decodeBody(opened.plaintext, messagesMax, limits);
  }

  #seal(body: Uint8Array): Uint8Array {
    const header = envelopeHeader(this.#keyring !== undefined);
    if (!this.#keyring) return Buffer.concat([header, body]);
    return Buffer.concat([header, this.#keyring.seal(body, this.#associatedData(header))]);
  }

  #associatedData(header: Uint8Array): Uint8Array {
    return Buffer.concat([header, this.#label]);
  }
}
