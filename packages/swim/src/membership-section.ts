import type { Address, Instant } from '@trellis/runtime';
import type { MemberTable } from '@trellis/membership';
import type { AntiEntropySection } from './anti-entropy-section.js';
import { toMemberMessage } from './member-codec.js';
import { parseMemberMessage, type MemberMessage } from './messages.js';

/** The member table as an anti-entropy section; records travel as gossip `m` messages. */
export function membershipSection(
  table: MemberTable,
  onMember: (now: Instant, from: Address, msg: MemberMessage) => void,
  reject: (from: Address, reason: string) => void,
): AntiEntropySection {
  return {
    name: 'members',
    digest: () => table.digest(),
    records: (keys) =>
      keys.flatMap((k) => {
        const r = table.get(k);
        return r === undefined ? [] : [toMemberMessage(r)];
      }),
    allRecords: () => table.all().map((r) => toMemberMessage(r)),
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
