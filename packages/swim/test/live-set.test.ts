import test from 'ava';
import { Rng } from '@trellis/runtime';
import { LiveSet } from '../src/live-set.js';

/** The live set as it was: a scan past every member the predicate excludes. */
class ScanningLiveSet {
  readonly ids: string[] = [];
  readonly #index = new Map<string, number>();

  add(id: string): void {
    this.#index.set(id, this.ids.length);
    this.ids.push(id);
  }

  remove(id: string): void {
    const i = this.#index.get(id)!;
    const last = this.ids.pop()!;
    if (last !== id) {
      this.ids[i] = last;
      this.#index.set(last, i);
    }
    this.#index.delete(id);
  }

  sample(rng: Rng, k: number, exclude: (id: string) => boolean): string[] {
    const n = this.ids.length;
    if (k <= 0 || n === 0) return [];
    const filtered = (): string[] =>
      rng.sample(
        this.ids.filter((id) => !exclude(id)),
        k,
      );
    if (k * 3 >= n) return filtered();
    const out = new Set<string>();
    for (let tries = 0; out.size < k && tries < k * 8; tries++) {
      const id = this.ids[rng.int(0, n)]!;
      if (!exclude(id)) out.add(id);
    }
    return out.size < k ? filtered() : [...out];
  }
}

test('live set: draws exactly what the scan drew, through adds, confirmations and removals', (t) => {
  const ops = Rng.fromSeed(1);
  const a = Rng.fromSeed(2);
  const b = Rng.fromSeed(2);
  const live = new LiveSet();
  const old = new ScanningLiveSet();
  const confirmed = new Set<string>();
  const up = new Set<string>();
  for (let step = 0; step < 20_000; step++) {
    const id = `m${ops.int(0, 400)}`;
    const op = ops.int(0, 10);
    if (op < 4 && !up.has(id)) {
      up.add(id);
      live.add(id, confirmed.has(id));
      old.add(id);
    } else if (op < 6 && up.has(id)) {
      up.delete(id);
      live.remove(id);
      old.remove(id);
    } else if (op < 8) {
      confirmed.add(id);
      live.confirm(id);
    } else {
      const k = ops.int(1, 5);
      const want = op === 8;
      const got = live.sample(a, k, want);
      t.deepEqual(
        got,
        old.sample(b, k, (x) => confirmed.has(x) !== want),
      );
      const pick = live.pickConfirmed(a);
      const ids = old.ids.filter((x) => confirmed.has(x));
      t.is(pick, ids.length === 0 ? undefined : b.pick(ids));
    }
  }
  t.is(live.size, up.size);
  t.is(live.confirmedSize, [...up].filter((x) => confirmed.has(x)).length);
});

test('live set: two confirmed members among a thousand unconfirmed ones are both found', (t) => {
  const live = new LiveSet();
  const rng = Rng.fromSeed(7);
  for (let i = 0; i < 1000; i++) t.true(live.add(`u${i}`, false));
  t.true(live.add('c1', true));
  t.true(live.add('c2', true));
  t.false(live.add('c1', false), 'already up');
  t.deepEqual(live.sample(rng, 3, true).sort(), ['c1', 'c2']);
  t.true(live.sample(rng, 3, false).every((id) => id.startsWith('u')));
  live.confirm('u5');
  live.confirm('nobody');
  t.is(live.confirmedSize, 3);
  t.true(live.remove('u5'));
  t.false(live.remove('u5'));
  t.is(live.size, 1001);
  t.is(live.confirmedSize, 2);
});
