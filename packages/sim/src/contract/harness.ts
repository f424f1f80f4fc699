import type { Address, Transport, TransportError, TransportReceiver } from '@trellis/runtime';

/**
 * What a transport implementation provides to run the contract suite. Async throughout so that
 * real sockets (bind, close) fit as well as the simulator.
 */
export interface TransportHarness {
  /** A new transport on its own address, not yet listening. */
  create(): Promise<Transport>;
  /** Lets `ms` of time pass: the simulator runs virtual time, a real transport waits. */
  settle(ms: number): Promise<void>;
  /** An address nothing listens on (no host, or a closed port). */
  unreachableAddress(): Address;
  /** Closes everything `create` made. */
  dispose(): Promise<void>;
}

export type MakeHarness = () => Promise<TransportHarness>;

/** Creates a harness, runs `body`, and disposes of the harness even when `body` fails. */
export async function withHarness(
  make: MakeHarness,
  body: (h: TransportHarness) => Promise<void>,
): Promise<void> {
  const h = await make();
  try {
    await body(h);
  } finally {
    await h.dispose();
  }
}

export interface Received {
  readonly from: Address;
  readonly payload: Uint8Array;
}

/** A receiver that records what arrives; requests go to `onRequest` (default: never answered). */
export function recorder(onRequest: TransportReceiver['onRequest'] = () => {}): TransportReceiver & {
  readonly datagrams: Received[];
  readonly requests: Received[];
} {
  const datagrams: Received[] = [];
  const requests: Received[] = [];
  return {
    datagrams,
    requests,
    onDatagram: (from, payload) => datagrams.push({ from, payload }),
    onRequest: (from, payload, reply) => {
      requests.push({ from, payload });
      onRequest(from, payload, reply);
    },
  };
}

export interface ReplyLog {
  readonly calls: { error: TransportError | undefined; reply: Uint8Array | undefined }[];
  readonly onReply: (error: TransportError | undefined, reply: Uint8Array | undefined) => void;
}

/** An `onReply` that records every call, to check "exactly once". */
export function replyLog(): ReplyLog {
  const calls: ReplyLog['calls'] = [];
  return { calls, onReply: (error, reply) => calls.push({ error, reply }) };
}

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}
