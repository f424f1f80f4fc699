import { ConfigProblems, type Logger } from '@trellis/runtime';
import { isIP } from 'node:net';

export interface UdpTransportConfig {
  readonly bindHost: string;
  /** 0 picks a free port (the same number for UDP and TCP). */
  readonly bindPort: number;
  /** What peers are told to use, when it differs from the bind address (NAT, 0.0.0.0). */
  readonly advertiseHost: string | undefined;
  readonly advertisePort: number | undefined;
  /** The largest UDP payload over IPv4; the packet budget of the codec is far below it. */
  readonly datagramSizeMax: number;
  /** Same as the codec's: 8 MiB, ~5x a full 5,000-node state; 16 streams x 8 MiB = 128 MiB worst case. */
  readonly streamSizeMax: number;
  /** Concurrent inbound streams; more are refused at accept. */
  readonly maxInboundStreams: number;
  /** An inbound stream must deliver its request and get its reply within this (memberlist: 10 s). */
  readonly streamDeadlineMs: number;
  /** Inbound streams one source IP may hold at once. */
  readonly maxInboundStreamsPerSource: number;
  /** An inbound stream must deliver its complete request frame within this. */
  readonly streamFirstFrameMs: number;
  /** Attempts to find a port free for both UDP and TCP when bindPort is 0. */
  readonly bindAttemptsMax: number;
}

export interface UdpTransportOptions extends Partial<
  Omit<UdpTransportConfig, 'advertiseHost' | 'advertisePort'>
> {
  readonly advertiseHost?: string | undefined;
  readonly advertisePort?: number | undefined;
  readonly logger?: Logger | undefined;
}

export const defaultUdpTransportConfig: UdpTransportConfig = Object.freeze({
  bindHost: '0.0.0.0',
  bindPort: 7946,
  advertiseHost: undefined,
  advertisePort: undefined,
  datagramSizeMax: 65_507,
  streamSizeMax: 8 * 1024 * 1024,
  maxInboundStreams: 16,
  streamDeadlineMs: 10_000,
  maxInboundStreamsPerSource: 4,
  // 8 MiB (streamSizeMax) at 20 Mbit/s; a LAN join request arrives in milliseconds.
  streamFirstFrameMs: 4000,
  bindAttemptsMax: 8,
});

const ADVERTISE_HOST_BYTES_MAX = 240;

/** Fills defaults and checks every field, listing all problems in one `ConfigError`. */
export function parseUdpTransportConfig(options: UdpTransportOptions): UdpTransportConfig {
  const { logger: _logger, ...rest } = options;
  const config: UdpTransportConfig = { ...defaultUdpTransportConfig, ...rest };
  const p = new ConfigProblems();
  if (isIP(config.bindHost) === 0)
    p.add('bindHost', `must be an IP address, got ${JSON.stringify(config.bindHost)}`);
  p.integer('bindPort', config.bindPort, 0, 65_535);
  if (
    config.advertiseHost !== undefined &&
    (typeof config.advertiseHost !== 'string' || config.advertiseHost === '')
  ) {
    p.add('advertiseHost', 'must be a non-empty host');
  } else if (
    config.advertiseHost !== undefined &&
    Buffer.byteLength(config.advertiseHost) > ADVERTISE_HOST_BYTES_MAX
  ) {
    // host:port must fit the one-byte length of a request preamble.
    p.add('advertiseHost', `must be at most ${ADVERTISE_HOST_BYTES_MAX} bytes`);
  }
  if (config.advertisePort !== undefined) p.integer('advertisePort', config.advertisePort, 1, 65_535);
  p.integer('datagramSizeMax', config.datagramSizeMax, 64, 65_507);
  p.integer('streamSizeMax', config.streamSizeMax, 1024, 1024 * 1024 * 1024);
  p.integer('maxInboundStreams', config.maxInboundStreams, 1, 65_536);
  p.integer('streamDeadlineMs', config.streamDeadlineMs, 1, 3_600_000);
  p.integer('maxInboundStreamsPerSource', config.maxInboundStreamsPerSource, 1, 65_536);
  p.integer('streamFirstFrameMs', config.streamFirstFrameMs, 1, 3_600_000);
  p.integer('bindAttemptsMax', config.bindAttemptsMax, 1, 100);
  p.throwIfAny('UDP transport config');
  return Object.freeze(config);
}
