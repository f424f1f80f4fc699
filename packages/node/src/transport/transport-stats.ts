/** What went wrong at the socket level, counted (and logged) instead of thrown. */
export type TransportErrorKind =
  | 'udp-send'
  | 'udp-socket'
  | 'bad-address'
  | 'receiver'
  | 'stream-connect'
  | 'stream-oversized'
  | 'stream-bad-preamble'
  | 'stream-deadline'
  | 'stream-timeout'
  | 'stream-reset'
  | 'stream-inbound-limit'
  /** A source address already holds maxInboundStreamsPerSource connections. */
  | 'stream-source-limit'
  /** No complete request frame within streamFirstFrameMs. */
  | 'stream-first-frame'
  /** All slots taken: the slowest connection still waiting for its request gave way. */
  | 'stream-evicted'
  | 'stream-server';

export interface TransportStats {
  packetsIn: number;
  packetsOut: number;
  bytesIn: number;
  bytesOut: number;
  /** Datagrams received larger than datagramSizeMax, dropped. */
  packetsOversizedIn: number;
  /** Datagrams received before listen() or after close(), dropped. */
  packetsDropped: number;
  requestsIn: number;
  requestsOut: number;
  repliesIn: number;
  repliesOut: number;
  /** Inbound streams open right now (bounded by maxInboundStreams). */
  inboundStreamsActive: number;
  errors: Partial<Record<TransportErrorKind, number>>;
}

export function emptyTransportStats(): TransportStats {
  return {
    packetsIn: 0,
    packetsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    packetsOversizedIn: 0,
    packetsDropped: 0,
    requestsIn: 0,
    requestsOut: 0,
    repliesIn: 0,
    repliesOut: 0,
    inboundStreamsActive: 0,
    errors: {},
  };
}
