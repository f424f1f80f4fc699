import type { Address, Instant } from '@trellis/runtime';
import type { DigestView } from '@trellis/membership';

/**
 * One replicated table taking part in push-pull anti-entropy. Membership is the first section;
 * the route store plugs in as another. Records travel in the section's own wire form and are
 * validated by the section on the way in (bad ones are counted there, never thrown).
 */
export interface AntiEntropySection {
  readonly name: string;
  digest(): DigestView;
  /** Wire-form records for these keys; keys the section does not hold are skipped. */
  records(keys: readonly string[]): unknown[];
  /** Every record, for the full exchange on join. */
  allRecords(): unknown[];
  /** Merges records received from `from`. */
  merge(now: Instant, from: Address, records: readonly unknown[]): void;
}
