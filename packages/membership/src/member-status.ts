/**
 * A member's status. The order is the lattice order the merge uses at equal incarnation:
 * news that is "worse" for the member wins, so a suspicion cannot be undone by a stale alive
 * message, only by the owner raising its incarnation. `left` is last because a graceful leave
 * is final for that incarnation: nobody should keep probing a node that said goodbye.
 */
export type MemberStatus = 'alive' | 'suspect' | 'dead' | 'left';

/** Every status, in lattice order (lowest first). */
export const memberStatuses: readonly MemberStatus[] = Object.freeze(['alive', 'suspect', 'dead', 'left']);

const ranks: Readonly<Record<MemberStatus, number>> = Object.freeze({
  alive: 0,
  suspect: 1,
  dead: 2,
  left: 3,
});

/** The position of `status` in the lattice order; higher wins at equal incarnation. */
export function statusRank(status: MemberStatus): number {
  return ranks[status];
}

export function isMemberStatus(value: unknown): value is MemberStatus {
  return value === 'alive' || value === 'suspect' || value === 'dead' || value === 'left';
}

/** Dead and left records are tombstones: kept only to win against stale news, then collected. */
export function isTombstone(status: MemberStatus): boolean {
  return status === 'dead' || status === 'left';
}
