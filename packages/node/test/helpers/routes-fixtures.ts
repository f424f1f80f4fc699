import { parseOverlays, type Overlay, type RouteEntry } from '@trellis/routes';
import type { GossipNode } from './sim-cluster.js';
import type { SimCluster } from './sim-cluster.js';

/** A /16 cut in /24 slices: 256 slices, as the allocation scenarios ask. */
export const ov16: readonly Overlay[] = parseOverlays([
  { name: 'ov', subnet: '10.200.0.0/16', prefixLength: 24 },
]);

/** DC/OS's overlay: 9.0.0.0/8 in /24 slices, 4,094 claimable (the VTEP /20 is the limit). */
export const dcos: readonly Overlay[] = parseOverlays([
  { name: 'dcos', subnet: '9.0.0.0/8', prefixLength: 24 },
]);

/** The underlay IP of node `nK` (what the agent would read off its host interface). */
export function underlayOf(id: string): string {
  const i = Number(id.slice(1));
  return `192.168.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

/** Publishes on `overlay`; exhaustion is recorded, not thrown (the store emits an event too). */
export function publisher(overlay: string, exhausted?: Set<string>) {
  return (node: GossipNode): void => {
    try {
      node.stores.routes.publish(overlay, { underlayIp: underlayOf(node.id) });
    } catch (error) {
      if ((error as { code?: string }).code !== 'ERR_TRELLIS_SLICES_EXHAUSTED') throw error;
      exhausted?.add(node.id);
    }
  };
}

/** The ground truth: each running, settled agent's own route, by owner. */
export function ownRoutes(c: SimCluster, overlay: string): Map<string, RouteEntry> {
  const out = new Map<string, RouteEntry>();
  for (const n of c.running()) {
    const l = n.stores.routes.local(overlay);
    if (l?.state === 'settled' && l.route !== undefined) out.set(n.id, l.route);
  }
  return out;
}

/** Every running node's converged table equals the ground truth minus itself. */
export function tablesMatchTruth(c: SimCluster, overlay: string): boolean {
  const truth = ownRoutes(c, overlay);
  return c.running().every((n) => {
    const table = n.stores.routes.table(overlay);
    const expected = [...truth.keys()].filter((id) => id !== n.id);
    return (
      table.length === expected.length &&
      table.every((e) => {
        const t = truth.get(e.owner);
        return (
          t !== undefined &&
          t.slice === e.slice &&
          t.vtepMac === e.vtepMac &&
          t.underlayIp === e.underlayIp &&
          t.generation === e.generation
        );
      })
    );
  });
}

/** Slices used by more than one settled agent right now (must always be empty). */
export function doubleUsedSlices(c: SimCluster, overlay: string): number[] {
  const seen = new Map<number, string>();
  const doubles: number[] = [];
  for (const [owner, r] of ownRoutes(c, overlay)) {
    if (seen.has(r.slice)) doubles.push(r.slice);
    seen.set(r.slice, owner);
  }
  return doubles;
}
