import test from 'ava';
import fc from 'fast-check';
import type { MemberStatus } from '@trellis/membership';
import { ownerVisible } from '@trellis/store';
import { StoreTestbed } from '@trellis/store/testbed';
import { parseKvConfig } from '../src/kv-config.js';
import { byOwnerThenKey, type KvEntry } from '../src/kv-entry.js';
import { recordValue, type OwnedKvWire } from '../src/kv-record.js';
import { OwnedKvStore } from '../src/owned-kv-store.js';
import { encodeValue } from '../src/kv-value.js';

/**
 * The owned table's view is patched key by key and owner by owner, never rebuilt. After any
 * sequence of local writes, peer records (stale, forged, of other lives), membership changes,
 * grace expiries, reaps and sweeps, it must be exactly what a full rebuild from the table and
 * the member table gives at that moment.
 */
const self = 'me';
const owners = [self, 'p', 'q', 'r/s'];
const keys = ['k', 'k/2', 'x'];
const statuses: readonly MemberStatus[] = ['alive', 'suspect', 'dead', 'left'];
const generation = 1000;
const config = parseKvConfig({
  graceMs: 1000,
  reapMs: 3000,
  tombstoneTtlMs: 2000,
  adoptWindowMs: 1500,
  recomputeDelayMs: 10,
});

type Op =
  | { kind: 'set'; key: number; value: number }
  | { kind: 'delete'; key: number }
  | { kind: 'peer'; owner: number; key: number; g: number; v: number; st: 0 | 1; value: number }
  | { kind: 'member'; owner: number; status: number; incarnation: number }
  | { kind: 'forget'; owner: number }
  | { kind: 'tick'; ms: number };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('set' as const), key: fc.nat(2), value: fc.nat(3) }),
  fc.record({ kind: fc.constant('delete' as const), key: fc.nat(2) }),
  fc.record({
    kind: fc.constant('peer' as const),
    owner: fc.nat(3),
    key: fc.nat(2),
    g: fc.constantFrom(generation - 500, generation, generation + 500),
    v: fc.nat(4),
    st: fc.constantFrom(0 as const, 1 as const),
    value: fc.nat(3),
  }),
  fc.record({
    kind: fc.constant('member' as const),
    owner: fc.integer({ min: 1, max: 3 }),
    status: fc.nat(3),
    incarnation: fc.constantFrom(generation, generation + 500, generation + 1000),
  }),
  fc.record({ kind: fc.constant('forget' as const), owner: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 70_000 }) }),
);

/** The view a full rebuild gives: every live entry of ours, every visible owner's. */
function rebuild(bed: StoreTestbed, store: OwnedKvStore): KvEntry[] {
  const rules = { selfId: self, liveness: bed.context('x').liveness, graceMs: 1000, reapMs: 3000 };
  const out: KvEntry[] = [];
  for (const r of store.table.all()) {
    if (r.st !== 0) continue;
    if (r.w !== self && !ownerVisible(rules, r.w, bed.now, () => {})) continue;
    out.push({ key: r.k, value: recordValue(r), owner: r.w });
  }
  return out.sort(byOwnerThenKey);
}

function apply(bed: StoreTestbed, store: OwnedKvStore, op: Op, since: Map<string, number>): void {
  switch (op.kind) {
    case 'set':
      store.set(bed.now, keys[op.key]!, op.value);
      return;
    case 'delete':
      store.delete(bed.now, keys[op.key]!);
      return;
    case 'peer': {
      const record: OwnedKvWire = {
        t: 'v:t',
        w: owners[op.owner]!,
        k: keys[op.key]!,
        g: op.g,
        v: op.v,
        st: op.st,
        d: op.st === 0 ? encodeValue(op.value, 64) : new Uint8Array(),
      };
      store.handleRecord(bed.now, 'peer:1', record);
      return;
    }
    case 'member': {
      const id = owners[op.owner]!;
      bed.memberChanged(store, id, statuses[op.status]!, op.incarnation);
      since.set(id, bed.now);
      return;
    }
    case 'forget': {
      // The node forgets only member tombstones, and only long after the grace period
      // (membership.tombstoneTtlMs, a day by default); it tells the stores nothing.
      const id = owners[op.owner]!;
      const m = bed.context('x').liveness.member(id);
      if (m === undefined || m.status === 'alive' || m.status === 'suspect') return;
      if (bed.now - (since.get(id) ?? bed.now) <= config.graceMs) return;
      bed.member(id, undefined);
      return;
    }
    case 'tick':
      bed.advance(store, bed.now + op.ms);
      return;
  }
}

test('the patched view of an owned table is what a rebuild gives, after any operations', (t) => {
  fc.assert(
    fc.property(fc.array(arbOp, { maxLength: 60 }), (ops) => {
      const bed = new StoreTestbed({ selfId: self, generation });
      const store = new OwnedKvStore(bed.context('kv:t'), 'v:t', config);
      const since = new Map<string, number>();
      for (const op of ops) {
        apply(bed, store, op, since);
        // The view is recomputed after the coalescing delay: compare then.
        bed.advance(store, bed.now + config.recomputeDelayMs);
        const got = store.entries();
        const want = rebuild(bed, store);
        if (JSON.stringify(got) !== JSON.stringify(want))
          throw new Error(
            `after ${JSON.stringify(op)} at ${bed.now}: view ${JSON.stringify(got)}, rebuild ${JSON.stringify(want)}`,
          );
      }
    }),
    { numRuns: process.env.TRELLIS_EXTENSIVE ? 5000 : 400 },
  );
  t.pass();
});
