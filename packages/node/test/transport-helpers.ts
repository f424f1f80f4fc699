import { createServer } from 'node:net';
import { type Address, type TransportError, type TransportReceiver } from '@trellis/runtime';
import { type UdpTransport, createUdpTransport } from '../src/transport/udp-transport.js';
import type { UdpTransportOptions } from '../src/transport/udp-transport-config.js';

export const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until `predicate` holds (loopback is fast, but not synchronous). */
export async function waitFor(predicate: () => boolean, timeoutMs = 2000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached in time');
    await settle(5);
  }
}

const created = new Set<UdpTransport>();

export async function loopback(options: UdpTransportOptions = {}): Promise<UdpTransport> {
  const transport = await createUdpTransport({ bindHost: '127.0.0.1', bindPort: 0, ...options });
  created.add(transport);
  return transport;
}

/** Closes every transport `loopback` made in this worker. */
export async function closeAll(): Promise<void> {
  await Promise.all([...created].map((transport) => transport.whenClosed()));
  created.clear();
}

/** A 127.0.0.1 port nobody listens on (bound then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface Recorded {
  datagrams: { from: Address; payload: Uint8Array }[];
  requests: { from: Address; payload: Uint8Array; reply: (payload: Uint8Array) => void }[];
}

export function recorder(
  answer?: (payload: Uint8Array) => Uint8Array | undefined,
): TransportReceiver & Recorded {
  const datagrams: Recorded['datagrams'] = [];
  const requests: Recorded['requests'] = [];
  return {
    datagrams,
    requests,
    onDatagram: (from, payload) => datagrams.push({ from, payload: new Uint8Array(payload) }),
    onRequest: (from, payload, reply) => {
      requests.push({ from, payload: new Uint8Array(payload), reply });
      const answered = answer?.(payload);
      if (answered) reply(answered);
    },
  };
}

/** request() as a promise that also checks onReply runs exactly once. */
export function requestOnce(
  transport: UdpTransport,
  to: Address,
  payload: Uint8Array,
  timeoutMs: number,
): Promise<{ error: TransportError | undefined; reply: Uint8Array | undefined; calls: () => number }> {
  return new Promise((resolve) => {
    let calls = 0;
    transport.request(to, payload, timeoutMs, (error, reply) => {
      calls++;
      if (calls === 1) resolve({ error, reply, calls: () => calls });
    });
  });
}
