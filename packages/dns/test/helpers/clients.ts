import { Resolver } from 'node:dns/promises';
import { createSocket } from 'node:dgram';
import { type Socket, connect } from 'node:net';
import * as dnsPacket from 'dns-packet';
import { type Decoded, decode } from './fixtures.js';

/** Node's own resolver (c-ares) pointed at our server only, with one quick try. */
export function resolverFor(port: number): Resolver {
  const resolver = new Resolver({ timeout: 2000, tries: 1 });
  resolver.setServers([`127.0.0.1:${port}`]);
  return resolver;
}

/** One raw UDP exchange; rejects after `timeoutMs` with no reply. */
export async function udpExchange(port: number, message: Uint8Array, timeoutMs = 2000): Promise<Buffer> {
  const socket = createSocket('udp4');
  try {
    return await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no UDP reply')), timeoutMs);
      socket.once('message', (reply) => {
        clearTimeout(timer);
        resolve(reply);
      });
      socket.send(message, port, '127.0.0.1');
    });
  } finally {
    socket.close();
  }
}

/**
 * Sends `messages` at once from a UDP socket bound to `from`, then collects whatever comes back
 * until `settled()` holds (polled) or `timeoutMs` passes.
 */
export async function udpBurst(
  port: number,
  from: string,
  messages: readonly Uint8Array[],
  settled: () => boolean,
  timeoutMs = 5000,
): Promise<Decoded[]> {
  const socket = createSocket('udp4');
  const replies: Decoded[] = [];
  socket.on('message', (reply) => replies.push(decode(reply)));
  try {
    await new Promise<void>((resolve) => socket.bind(0, from, resolve));
    for (const m of messages) socket.send(m, port, '127.0.0.1');
    const deadline = Date.now() + timeoutMs;
    while (!settled() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    // Replies to the last queries may still be in flight.
    await new Promise((resolve) => setTimeout(resolve, 100));
    return replies;
  } finally {
    socket.close();
  }
}

/** A raw TCP connection that collects length-prefixed DNS replies. */
export class TcpClient {
  readonly socket: Socket;
  readonly #replies: Decoded[] = [];
  #buffer = Buffer.alloc(0);
  #waiters: (() => void)[] = [];
  closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      while (this.#buffer.length >= 2 && this.#buffer.length >= 2 + this.#buffer.readUInt16BE(0)) {
        this.#replies.push(dnsPacket.streamDecode(this.#buffer) as Decoded);
        this.#buffer = this.#buffer.subarray(2 + this.#buffer.readUInt16BE(0));
      }
      this.#wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.#wake();
    });
    socket.on('error', () => {});
  }

  /** `from`: the local address to connect from (any 127.x.y.z is local on Linux). */
  static connect(port: number, from?: string): Promise<TcpClient> {
    return new Promise((resolve, reject) => {
      const options = { host: '127.0.0.1', port, ...(from === undefined ? {} : { localAddress: from }) };
      const socket = connect(options, () => resolve(new TcpClient(socket)));
      socket.once('error', reject);
    });
  }

  send(packet: dnsPacket.Packet): void {
    this.socket.write(dnsPacket.streamEncode(packet));
  }

  /** Resolves with `count` replies, or rejects if the connection closes first or time runs out. */
  async replies(count: number, timeoutMs = 2000): Promise<Decoded[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.#replies.length < count) {
      if (this.closed) throw new Error(`closed after ${this.#replies.length} of ${count} replies`);
      if (Date.now() > deadline)
        throw new Error(`timed out after ${this.#replies.length} of ${count} replies`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.#replies.splice(0, count);
  }

  /** Resolves when the server has closed the connection (rejects after `timeoutMs`). */
  async whenClosed(timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error('connection still open');
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  destroy(): void {
    this.socket.destroy();
  }

  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }
}

export { decode };
