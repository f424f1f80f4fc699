import { sameRoute, type RouteEntry } from './route-entry.js';

/** What changed between two converged tables of one overlay (keyed by owner). */
export function diffTables(
  prev: ReadonlyMap<string, RouteEntry>,
  next: ReadonlyMap<string, RouteEntry>,
): { added: RouteEntry[]; removed: RouteEntry[]; changed: (readonly [RouteEntry, RouteEntry])[] } {
  const added: RouteEntry[] = [];
  const removed: RouteEntry[] = [];
  const changed: (readonly [RouteEntry, RouteEntry])[] = [];
  for (const [owner, n] of next) {
    const p = prev.get(owner);
    if (p === undefined) added.push(n);
    else if (!sameRoute(p, n) || p.generation !== n.generation) changed.push([p, n] as const);
  }
  for (const [owner, p] of prev) if (!next.has(owner)) removed.push(p);
  return { added, removed, changed };
}
