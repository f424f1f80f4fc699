import test from 'ava';
import { Rng } from '@trellis/runtime';
import { ProbeOrder } from '../src/probe-order.js';

/** The probe order as it was: one array, spliced. */
class SplicedOrder {
  readonly #rng: Rng;
  #order: string[] = [];
  #index = 0;

  constructor(rng: Rng) {
    this.#rng = rng;
  }

  next(isCandidate: (id: string) => boolean, refill: () => string[]): string | undefined {
    for (let pass = 0; pass < 2; pass++) {
      while (this.#index < this.#order.length) {
        const id = this.#order[this.#index++]!;
        if (isCandidate(id)) return id;
      }
      this.#order = this.#rng.shuffle(refill());
      this.#index = 0;
    }
    return undefined;
  }

  add(id: string): void {
    this.#order.splice(this.#rng.int(this.#index, this.#order.length + 1), 0, id);
  }
}

test('probe order: the same order as the spliced array, through rounds, adds and removals', (t) => {
  const ops = Rng.fromSeed(9);
  const order = new ProbeOrder(Rng.fromSeed(4));
  const old = new SplicedOrder(Rng.fromSeed(4));
  const up = new Set<string>();
  let added = 0;
  for (let step = 0; step < 30_000; step++) {
    const op = ops.int(0, 10);
    if (op < 3) {
      // Bursts of joins, as in a boot storm, so chunks fill and split.
      for (let j = ops.int(1, 200); j > 0; j--) {
        const id = `m${added++}`;
        up.add(id);
        order.add(id);
        old.add(id);
      }
    } else if (op < 4 && up.size > 0) up.delete([...up][ops.int(0, up.size)]!);
    else {
      const refill = () => [...up];
      t.is(
        order.next((id) => up.has(id), refill),
        old.next((id) => up.has(id), refill),
      );
    }
    if (up.size > 3000) up.clear();
  }
});

test('probe order: members added mid-round are probed once in it, at a uniform position', (t) => {
  const rng = Rng.fromSeed(3);
  const positions = new Array<number>(11).fill(0);
  for (let trial = 0; trial < 5000; trial++) {
    const order = new ProbeOrder(rng);
    const members = Array.from({ length: 10 }, (_, i) => `m${i}`);
    const probed: string[] = [];
    probed.push(
      order.next(
        () => true,
        () => members.slice(),
      )!,
    );
    order.add('new');
    for (let i = 0; i < 10; i++)
      probed.push(
        order.next(
          () => true,
          () => [],
        )!,
      );
    // One round: each of the ten, and the newcomer, exactly once.
    t.is(new Set(probed).size, 11);
    positions[probed.indexOf('new')]!++;
  }
  // The newcomer goes after the member probed already: positions 1 to 10, about 500 times each.
  t.is(positions[0], 0);
  t.true(
    positions.slice(1).every((p) => p > 400 && p < 600),
    JSON.stringify(positions),
  );
});
