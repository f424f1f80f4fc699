import type { Hearsay } from './anti-entropy.js';
import type { AntiEntropySection } from './anti-entropy-section.js';
import type { Confirmations } from './confirmations.js';

const isLive = (m: unknown): boolean => {
  const s = (m as { s?: unknown }).s;
  return s === 0 || s === 1;
};

/**
 * The membership section as this node answers join and push-pull with it: live records only
 * of members it confirmed (dead and left records always). Peers take what a member they dialed
 * sends them as vouched for, so withholding our unconfirmed members keeps a forged record from
 * being laundered into a confirmed one one hop later. The digest still covers every record:
 * buckets holding an unconfirmed member differ until it is confirmed or dies, which costs an
 * extra entry list per push-pull, not a wrong table.
 */
export function confirmedRecords(
  section: AntiEntropySection,
  confirmations: Confirmations,
): AntiEntropySection {
  const keep = (m: unknown): boolean => !isLive(m) || confirmations.has((m as { id: string }).id);
  return {
    name: section.name,
    digest: () => section.digest(),
    records: (keys) => section.records(keys).filter(keep),
    allRecords: () => section.allRecords().filter(keep),
    merge: (now, from, records) => section.merge(now, from, records),
  };
}

/**
 * The live members a join exchange withholds from the section, sent apart as hearsay: a node
 * joining a booting cluster still learns every member the seed holds (and verifies them), it
 * just does not take the seed's word for the unconfirmed ones.
 */
export function unconfirmedRecords(section: AntiEntropySection, confirmations: Confirmations): Hearsay {
  return {
    key: `${section.name}?`,
    section: section.name,
    records: () =>
      section.allRecords().filter((m) => isLive(m) && !confirmations.has((m as { id: string }).id)),
  };
}
