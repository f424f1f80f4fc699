import { ConfigProblems } from '@trellis/runtime';
import { checkLatency, latency, type LatencyDistribution } from './latency.js';

/** How the simulated network behaves on every link that has no override. */
export interface NetworkConfig {
  /** One-way delay of datagrams, requests and replies. */
  readonly latency: LatencyDistribution;
  /** Probability that a datagram is silently lost (the reliable stream never loses). */
  readonly lossRate: number;
  /** Probability that a datagram is delivered twice (each copy with its own latency). */
  readonly duplicateRate: number;
  /** Probability that a datagram is delayed by an extra `reorderDelay`, overtaking later ones. */
  readonly reorderRate: number;
  readonly reorderDelay: LatencyDistribution;
  /** Stream throughput: a request or reply of n bytes takes n / this extra ms. */
  readonly streamBandwidthBytesPerMs: number;
}

export interface SimulationConfig {
  /** The one number every random choice derives from; `SEED=n` replays a run. */
  readonly seed: number;
  readonly network: NetworkConfig;
  /** Virtual time at start: a unix-like instant so that wall-clock-based incarnations behave. */
  readonly epochMs: number;
  /** What a UDP socket accepts (65,535 - 8 UDP - 20 IPv4 header bytes). */
  readonly datagramSizeMax: number;
  readonly streamSizeMax: number;
  /** Events one `run`/`runUntil`/`step` call may process before it throws: catches event storms. */
  readonly eventsMax: number;
  /** Trace records kept (a ring); the trace hash covers every record, kept or not. */
  readonly traceMax: number;
  /** Messages queued by `hold` across all hosts; beyond it new ones are dropped and counted. */
  readonly heldMax: number;
  /** Virtual interval between invariant checks. */
  readonly invariantCheckEveryMs: number;
}

export type SimulationOptions = {
  readonly seed: number;
  readonly network?: Partial<NetworkConfig>;
} & Partial<Omit<SimulationConfig, 'seed' | 'network'>>;

export const defaultNetworkConfig: NetworkConfig = Object.freeze({
  latency: latency.uniform(0.2, 2), // a LAN with some jitter
  lossRate: 0,
  duplicateRate: 0,
  reorderRate: 0,
  reorderDelay: latency.uniform(0, 10),
  streamBandwidthBytesPerMs: Infinity, // size-independent by default: exact timings in tests
});

export const defaultSimulationConfig: Omit<SimulationConfig, 'seed'> = Object.freeze({
  network: defaultNetworkConfig,
  epochMs: 1_700_000_000_000,
  datagramSizeMax: 65_507,
  streamSizeMax: 16 * 1024 * 1024,
  eventsMax: 50_000_000,
  traceMax: 10_000,
  heldMax: 1_000_000,
  invariantCheckEveryMs: 100,
});

/** Merges options over the defaults and reports every problem at once (`ConfigError`). */
export function parseSimulationConfig(options: SimulationOptions): SimulationConfig {
  const network: NetworkConfig = Object.freeze({ ...defaultNetworkConfig, ...options.network });
  const config: SimulationConfig = Object.freeze({ ...defaultSimulationConfig, ...options, network });
  const p = new ConfigProblems();
  p.integer('seed', config.seed, -0x8000_0000, 0xffff_ffff);
  checkLatency(p, 'network.latency', network.latency);
  checkLatency(p, 'network.reorderDelay', network.reorderDelay);
  p.number('network.lossRate', network.lossRate, 0, 1);
  p.number('network.duplicateRate', network.duplicateRate, 0, 1);
  p.number('network.reorderRate', network.reorderRate, 0, 1);
  if (network.streamBandwidthBytesPerMs !== Infinity)
    p.number('network.streamBandwidthBytesPerMs', network.streamBandwidthBytesPerMs, 1e-9);
  p.number('epochMs', config.epochMs, 0);
  p.integer('datagramSizeMax', config.datagramSizeMax, 1);
  p.integer('streamSizeMax', config.streamSizeMax, 1);
  p.integer('eventsMax', config.eventsMax, 1);
  p.integer('traceMax', config.traceMax, 0, 100_000_000);
  p.integer('heldMax', config.heldMax, 0);
  p.number('invariantCheckEveryMs', config.invariantCheckEveryMs, 0.001);
  p.throwIfAny('simulation config');
  return config;
}
