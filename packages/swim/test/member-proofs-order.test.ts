import test from 'ava';
import fc from 'fast-check';
import { compareRecords, type MemberRecord } from '@trellis/membership';
import { toMemberMessage } from '../src/member-codec.js';
import { notNewer } from '../src/member-proofs.js';

/**
 * The identity check skips every gossiped copy that is not newer than the record held, without
 * building the copy's record: that shortcut must be exactly the lattice order's `<= 0`, or a
 * newer record would go unchecked (or a copy be checked for nothing).
 */
const record = (id: string): fc.Arbitrary<MemberRecord> =>
  fc.record({
    id: fc.constant(id),
    addr: fc.constantFrom('10.0.0.1:7946', '10.0.0.2:7946', '10.0.0.10:7946'),
    incarnation: fc.integer({ min: 0, max: 3 }),
    status: fc.constantFrom('alive', 'suspect', 'dead', 'left'),
    meta: fc.uint8Array({ maxLength: 3 }).map((b) => b.map((x) => x % 3)),
  });

test('notNewer(message, held) is compareRecords(record, held) <= 0', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(
        record('n1'),
        record('n1'),
        (a, b) => notNewer(toMemberMessage(a), b) === compareRecords(a, b) <= 0,
      ),
      { numRuns: 5_000 },
    ),
  );
});
