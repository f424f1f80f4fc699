import type { Address, Instant } from '@trellis/runtime';
import type { MemberRecord, MemberTable } from '@trellis/membership';
import type { AntiEntropySection } from './anti-entropy-section.js';
import type { MemberProofs } from './member-proofs.js';
import { parseMemberMessage, type MemberMessage } from './messages.js';

/** The member table as an anti-entropy section; records travel as gossip `m` messages. */
export function membershipSection(
  table: MemberTable,
  proofs: MemberProofs,
  onMember: (now: Instant, from: Address, msg: MemberMessage) => void,
  reject: (from: Address, reason: string) => void,
): AntiEntropySection {
  return {
    name: 'members',
    digest: () => table.digest(),
    records: (keys) => ownFirst(keys.flatMap((k) => table.get(k) ?? [])).map((r) => proofs.message(r)),
    allRecords: () => ownFirst(table.all()).map((r) => proofs.message(r)),
    merge: (now, from, records) => {
      for (const raw of records) {
        const isObj = typeof raw === 'object' && raw !== null && !Array.isArray(raw);
        const parsed = isObj
          ? parseMemberMessage(raw as Record<string, unknown>, table.config.metaSizeMax)
          : undefined;
        if (parsed?.ok) onMember(now, from, parsed.msg);
        else reject(from, `member:${parsed?.reason ?? 'notAnObject'}`);
      }
    },
  };
}

/**
 * Alive and left records first: they carry the certificates that admit the accusers whose
 * signatures the suspect and dead records after them are checked against.
 */
function ownFirst(records: readonly MemberRecord[]): MemberRecord[] {
  const own: MemberRecord[] = [];
  const claims: MemberRecord[] = [];
  for (const r of records) (r.status === 'alive' || r.status === 'left' ? own : claims).push(r);
  return own.concat(claims);
}
