/**
 * @trellis/sim — a deterministic virtual-time network simulator. Hosts are `Transport` +
 * `Scheduler` pairs on one virtual clock; faults are verbs; one seed replays a run.
 * The transport contract suite is a separate entry point: `@trellis/sim/contract`.
 */
export { Simulation, type AddHostOptions, type RunUntilOptions } from './simulation.js';
export { SimHost } from './sim-host.js';
export {
  type SimulationConfig,
  type SimulationOptions,
  type NetworkConfig,
  defaultSimulationConfig,
  defaultNetworkConfig,
  parseSimulationConfig,
} from './simulation-config.js';
export { type LatencyDistribution, latency, sampleLatency } from './latency.js';
export { type SimulationStats } from './simulation-stats.js';
export { Trace, type TraceEntry, type TraceKind, traceKinds } from './trace.js';
export { InvariantViolation, EventsMaxError } from './sim-errors.js';
export { type Invariant, type InvariantContext } from './invariants/invariant.js';
export { noDeliveryAcrossPartition } from './invariants/no-delivery-across-partition.js';
export { timeMonotonic } from './invariants/time-monotonic.js';
export {
  requestsAnsweredOnce,
  type RequestsAnsweredOnceOptions,
} from './invariants/requests-answered-once.js';
export { seedFromEnv, withSeed, type SeedLog } from './seeds.js';
