import test from 'ava';
import fc from 'fast-check';
import { StoreTestbed } from '@trellis/store/testbed';
import { parseKvConfig } from '../src/kv-config.js';
import type { SharedKvWire } from '../src/kv-record.js';
import { SharedKvStore } from '../src/shared-kv-store.js';

const seed = process.env['SEED'] === undefined ? 77 : Number.parseInt(process.env['SEED'], 10);
const numRuns = process.env['TRELLIS_EXTENSIVE'] === '1' ? 2000 : 100;

function node(id: string) {
  const bed = new StoreTestbed({ selfId: id });
  const store = new SharedKvStore(
    bed.context('kv:cfg'),
    'v:cfg',
    parseKvConfig({ mode: 'shared', recomputeDelayMs: 0 }),
  );
  return { bed, store };
}

test('the last write wins by hybrid clock, whoever wrote it, on every replica', (t) => {
  const a = node('a');
  const b = node('b');
  a.store.set(1000, 'mode', 'blue');
  const first = a.bed.broadcasts.at(-1)!.msg as SharedKvWire;
  b.store.handleRecord(1000, 'a:1', first);
  // b's clock runs behind a's, yet its later write (it saw a's) wins.
  b.store.set(900, 'mode', 'green');
  const second = b.bed.broadcasts.at(-1)!.msg as SharedKvWire;
  t.true(second.l > first.l || (second.l === first.l && second.c > first.c));
  a.store.handleRecord(1001, 'b:1', second);
  a.bed.advance(a.store, 2000);
  b.bed.advance(b.store, 2000);
  t.is(a.store.get('mode'), 'green');
  t.is(b.store.get('mode'), 'green');
  t.deepEqual(a.store.entries(), [{ key: 'mode', value: 'green', owner: 'b' }]);
  // A stale copy of the first write changes nothing.
  a.store.handleRecord(2001, 'x:1', first);
  t.is(a.store.get('mode'), 'green');
});

test('a delete is a tombstone that beats the value it deletes', (t) => {
  const a = node('a');
  const b = node('b');
  a.store.set(1000, 'k', 1);
  const set = a.bed.broadcasts.at(-1)!.msg;
  t.true(a.store.delete(1001, 'k'));
  t.false(a.store.delete(1002, 'k'));
  const del = a.bed.broadcasts.at(-1)!.msg;
  b.store.handleRecord(1003, 'a:1', del);
  b.store.handleRecord(1003, 'a:1', set);
  b.bed.advance(b.store, 2000);
  t.is(b.store.get('k'), undefined);
});

test('a writer clock too far ahead is refused and counted', (t) => {
  const b = node('b');
  const skewed: SharedKvWire = {
    t: 'v:cfg',
    k: 'k',
    l: 10_000_000,
    c: 0,
    w: 'evil',
    st: 0,
    d: Uint8Array.of(1),
  };
  b.store.handleRecord(1000, 'evil:1', skewed);
  t.is(b.store.table.size, 0);
  t.is(b.store.stats().rejected['clockSkew'], 1);
  b.store.set(1000, 'k', 2);
  t.is((b.bed.broadcasts.at(-1)!.msg as SharedKvWire).l, 1000, 'the refused clock was not adopted');
});

test('replicas that saw the same writes in any order agree (fast-check)', (t) => {
  const op = fc.record({
    w: fc.constantFrom('a', 'b', 'c'),
    k: fc.constantFrom('x', 'y'),
    del: fc.boolean(),
    at: fc.nat(50),
  });
  const details = fc.check(
    fc.property(fc.array(op, { maxLength: 20 }), fc.func(fc.boolean()), (ops, flip) => {
      const writers = new Map(['a', 'b', 'c'].map((w) => [w, node(w)]));
      const out: SharedKvWire[] = [];
      for (const o of ops) {
        const n = writers.get(o.w)!;
        if (o.del) n.store.delete(1000 + o.at, o.k);
        else n.store.set(1000 + o.at, o.k, `${o.w}${o.at}`);
        out.push(...n.bed.broadcasts.splice(0).map((b) => b.msg as SharedKvWire));
      }
      const x = node('x');
      const y = node('y');
      for (const r of out) x.store.handleRecord(2000, 'p', r);
      const shuffled = [...out].sort((p, q) => (flip(p.l, q.c) ? -1 : 1));
      for (const r of shuffled) y.store.handleRecord(2000, 'p', r);
      x.bed.advance(x.store, 3000);
      y.bed.advance(y.store, 3000);
      return JSON.stringify(x.store.entries()) === JSON.stringify(y.store.entries());
    }),
    { numRuns, seed },
  );
  t.false(details.failed, `counterexample ${fc.stringify(details.counterexample)} SEED=${seed}`);
});

test('a peer clock with a huge counter does not push our stamps out of range', (t) => {
  const a = node('a');
  const b = node('b');
  // Within clockSkewMaxMs, and a counter at the largest safe integer: taken and observed.
  const wild: SharedKvWire = {
    t: 'v:cfg',
    k: 'other',
    l: 1500,
    c: Number.MAX_SAFE_INTEGER,
    w: 'evil',
    st: 0,
    d: Uint8Array.of(1),
  };
  a.store.handleRecord(1000, 'evil:1', wild);
  t.is(a.store.table.size, 1);
  a.store.set(1000, 'k', 2);
  const ours = a.bed.broadcasts.at(-1)!.msg as SharedKvWire;
  t.true(Number.isSafeInteger(ours.c), `counter ${ours.c}`);
  t.true(ours.l > wild.l || (ours.l === wild.l && ours.c > wild.c), 'still above what we saw');
  // Every replica takes our write: the store would otherwise keep a value no peer accepts.
  b.store.handleRecord(1000, 'a:1', ours);
  t.deepEqual(b.store.stats().rejected, {});
  t.truthy(b.store.table.get('k'));
});
