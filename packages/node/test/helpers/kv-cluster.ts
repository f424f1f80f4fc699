import type { KvTable } from '@trellis/kv';
import { SimCluster, type GossipNode } from './sim-cluster.js';

/**
 * The application's own data at scale, in virtual time: an owned `kv` table of 10,000 keys
 * (50 per node on 200 nodes) written at start, through 5 % loss. The simulator is deterministic:
 * bounds are exact, replayable with SEED=n.
 */
export const kvNodes = 200;
export const kvPerNode = 50;

/** What every node must see: `owner/key` -> value. */
export type Truth = Map<string, unknown>;

/** The table (a dead owner's entries leave 2 s after its death: a short partition shows it). */
export function tableOf(node: GossipNode): KvTable {
  return node.kv('inventory', { graceMs: 2000 });
}

/** 200 nodes, each writing its 50 keys as it starts (before it has joined anyone). */
export function kvCluster(seed: number): { c: SimCluster; truth: Truth } {
  const truth: Truth = new Map();
  const c = new SimCluster({
    seed,
    nodes: kvNodes,
    network: { lossRate: 0.05 },
    recordEvents: false,
    onStart: (node) => {
      const table = tableOf(node);
      for (let k = 0; k < kvPerNode; k++) {
        table.set(`item-${k}`, { n: k, tag: 'boot' });
        truth.set(`${node.id}/item-${k}`, { n: k, tag: 'boot' });
      }
    },
  });
  return { c, truth };
}

/** Every node's table holds the same records (digest roots) and shows as many entries as the truth. */
export function agrees(c: SimCluster, truth: Truth): boolean {
  const root = JSON.stringify(tableOf(c.running()[0]!).store.digest().root());
  return c
    .running()
    .every(
      (node) =>
        tableOf(node).stats().visible === truth.size &&
        JSON.stringify(tableOf(node).store.digest().root()) === root,
    );
}

/** Every node's view, entry by entry, against the truth (run once, at the end: it is slow). */
export function mismatches(c: SimCluster, truth: Truth): string[] {
  const out: string[] = [];
  for (const node of c.running()) {
    const seen = new Map(
      tableOf(node)
        .entries()
        .map((e) => [`${e.owner}/${e.key}`, e.value]),
    );
    if (seen.size !== truth.size) out.push(`${node.id}: ${seen.size} entries, want ${truth.size}`);
    for (const [k, v] of truth)
      if (JSON.stringify(seen.get(k)) !== JSON.stringify(v))
        out.push(`${node.id}: ${k} = ${JSON.stringify(seen.get(k))}`);
    if (out.length > 5) break;
  }
  return out;
}
