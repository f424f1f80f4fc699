/**
 * @trellis/node/sim — real gossip nodes on the deterministic simulator (`@trellis/sim`): the
 * harness the node's own tests and the benchmarks run on, as memberlist ships its mock network.
 */
export { SimCluster, type SimClusterOptions, type RecordedEvent } from './sim-cluster.js';
