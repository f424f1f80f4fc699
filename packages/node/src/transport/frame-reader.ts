/** Stream frames: a 4-byte big-endian payload length, then the payload. */
export const FRAME_HEADER_BYTES = 4;

export function frameHeader(length: number): Uint8Array {
  const header = new Uint8Array(FRAME_HEADER_BYTES);
  new DataView(header.buffer).setUint32(0, length);
  return header;
}

export type FrameProgress =
  | { readonly state: 'partial' }
  | { readonly state: 'complete'; readonly payload: Uint8Array }
  /** The peer declared more than the limit: cut it off before allocating anything. */
  | { readonly state: 'oversized'; readonly declaredBytes: number };

/**
 * Reads exactly one frame from stream chunks. Memory grows only with bytes actually received
 * and never past the limit: the declared length is checked as soon as the 4 header bytes are in.
 */
export class FrameReader {
  readonly #sizeMax: number;
  #chunks: Uint8Array[] = [];
  #received = 0;
  #declared: number | undefined;

  constructor(sizeMax: number) {
    this.#sizeMax = sizeMax;
  }

  push(chunk: Uint8Array): FrameProgress {
    this.#chunks.push(chunk);
    this.#received += chunk.length;
    if (this.#declared === undefined) {
      if (this.#received < FRAME_HEADER_BYTES) return { state: 'partial' };
      const head = Buffer.concat(this.#chunks);
      this.#declared = head.readUInt32BE(0);
      if (this.#declared > this.#sizeMax) {
        this.#chunks = [];
        return { state: 'oversized', declaredBytes: this.#declared };
      }
      this.#chunks = [head.subarray(FRAME_HEADER_BYTES)];
      this.#received -= FRAME_HEADER_BYTES;
    }
    if (this.#received < this.#declared) return { state: 'partial' };
    // Bytes past the frame are ignored: one request and one reply per connection.
    const payload = Buffer.concat(this.#chunks).subarray(0, this.#declared);
    this.#chunks = [];
    return { state: 'complete', payload };
  }
}
