import type { MemberRecord, MemberStatus } from '@trellis/membership';
import type { MemberMessage, StatusCode } from './messages.js';

const statusByCode: readonly MemberStatus[] = ['alive', 'suspect', 'dead', 'left'];
const codeByStatus: Readonly<Record<MemberStatus, StatusCode>> = { alive: 0, suspect: 1, dead: 2, left: 3 };

/** A member record as a gossip message; `by` names the accuser of a suspect record. */
export function toMemberMessage(r: MemberRecord, by?: string): MemberMessage {
  const base = {
    t: 'm',
    id: r.id,
    a: r.addr,
    i: r.incarnation,
    s: codeByStatus[r.status],
    md: r.meta,
  } as const;
  return by === undefined || r.status !== 'suspect' ? base : { ...base, by };
}

/** The record a member message carries, in the shape `MemberTable.merge` validates. */
export function fromMemberMessage(m: MemberMessage): {
  id: string;
  addr: string;
  incarnation: number;
  status: MemberStatus | undefined;
  meta: Uint8Array;
} {
  return { id: m.id, addr: m.a, incarnation: m.i, status: statusByCode[m.s], meta: m.md };
}
