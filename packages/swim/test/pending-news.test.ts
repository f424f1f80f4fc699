import test from 'ava';
import { Rng } from '@trellis/runtime';
import { mergeBySeq, type Pending } from '../src/pending-news.js';

const item = (seq: number): Pending => ({ key: `k${seq}`, cls: 'c', msg: {}, size: 1, transmits: 0, seq });

test('mergeBySeq merges two seq-ordered lists in place, in seq order', (t) => {
  const rng = Rng.fromSeed(5);
  for (let trial = 0; trial < 500; trial++) {
    const seqs = rng.shuffle(Array.from({ length: rng.int(0, 40) }, (_, i) => i + 1));
    const cut = rng.int(0, seqs.length + 1);
    const a = seqs
      .slice(0, cut)
      .sort((x, y) => x - y)
      .map(item);
    const b = seqs
      .slice(cut)
      .sort((x, y) => x - y)
      .map(item);
    const all = [...a, ...b];
    const out = mergeBySeq(a, b);
    t.is(out, a, 'the first list, grown');
    t.deepEqual(
      out.map((p) => p.seq),
      [...seqs].sort((x, y) => x - y),
    );
    t.true(out.every((p) => all.includes(p)));
  }
});
