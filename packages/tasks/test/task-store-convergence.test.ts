import test from 'ava';
import fc from 'fast-check';
import type { Instant } from '@trellis/runtime';
import type { StoreContext } from '@trellis/store';
import { StoreTestbed } from '@trellis/store/testbed';
import { TaskStore } from '../src/task-store.js';
import type { TaskWire } from '../src/task-record.js';

/**
 * yjs-style convergence: a few task-store replicas under random publishes, withdrawals,
 * restarts, lost, duplicated and reordered news; then anti-entropy until quiet. Every replica
 * must end with the same table (bit for bit) and the same view, and that view must be exactly
 * the tasks the owners publish. Owner and task ids contain "/" on purpose.
 */
const owners = ['a', 'a/b', 'b'];
const ids = ['c', 'b/c', 'x'];

type Op =
  | { kind: 'publish'; owner: number; id: number; name: number }
  | { kind: 'withdraw'; owner: number; id: number }
  | { kind: 'deliver'; pick: number; to: number; duplicate: boolean }
  | { kind: 'drop'; pick: number }
  | { kind: 'restart'; owner: number }
  | { kind: 'tick'; ms: number };

const arbOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('publish' as const), owner: fc.nat(2), id: fc.nat(2), name: fc.nat(3) }),
  fc.record({ kind: fc.constant('withdraw' as const), owner: fc.nat(2), id: fc.nat(2) }),
  fc.record({
    kind: fc.constant('deliver' as const),
    pick: fc.nat(),
    to: fc.nat(2),
    duplicate: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }),
  fc.record({ kind: fc.constant('restart' as const), owner: fc.nat(2) }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 40_000 }) }),
);

class Replicas {
  now: Instant = 1_000_000;
  readonly stores: TaskStore[] = [];
  readonly inFlight: TaskWire[] = [];
  #generation = 1_000_000;

  constructor() {
    for (let k = 0; k < owners.length; k++) this.stores.push(this.#start(k));
  }

  #start(k: number): TaskStore {
    const bed = new StoreTestbed({ selfId: owners[k]!, generation: this.#generation++ });
    // Everyone is alive throughout (and at incarnation 0, below every generation): this checks
    // the join, not liveness.
    for (const w of owners) bed.member(w, 'alive', 0);
    const ctx: StoreContext = {
      ...bed.context('tasks'),
      now: this.now,
      broadcast: (_key, msg) => this.inFlight.push(msg as TaskWire),
    };
    return new TaskStore({ ctx, config: { recomputeDelayMs: 10, adoptWindowMs: 30_000 } });
  }

  restart(k: number): void {
    this.stores[k] = this.#start(k);
  }

  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = this.stores
        .map((s) => s.pollTimeout())
        .filter((t): t is number => t !== undefined && t <= until);
      if (due.length === 0) break;
      this.now = Math.max(this.now, Math.min(...due));
      for (const s of this.stores) if ((s.pollTimeout() ?? Infinity) <= this.now) s.handleTimeout(this.now);
    }
    this.now = until;
  }

  /** Push-pull between every pair until nothing changes (what the digest exchange achieves). */
  antiEntropy(): void {
    for (let round = 0; round < 20; round++) {
      this.inFlight.length = 0;
      for (const from of this.stores)
        for (const to of this.stores)
          if (from !== to) for (const r of [...from.table.all()]) to.handleRecord(this.now, 'peer', r);
      if (this.inFlight.length === 0) return;
    }
  }
}

test('task-store replicas converge under loss, duplication, reordering and restarts', (t) => {
  fc.assert(
    fc.property(fc.array(arbOp, { maxLength: 60 }), (ops) => {
      const r = new Replicas();
      for (const op of ops) {
        switch (op.kind) {
          case 'publish':
            r.stores[op.owner]!.publish(r.now, {
              id: ids[op.id]!,
              name: `task-${op.name}`,
              framework: 'f',
              agentIp: `10.0.0.${op.owner + 1}`,
            });
            break;
          case 'withdraw':
            r.stores[op.owner]!.withdraw(r.now, ids[op.id]!);
            break;
          case 'deliver': {
            if (r.inFlight.length === 0) break;
            const at = op.pick % r.inFlight.length;
            const msg = r.inFlight[at]!;
            if (!op.duplicate) r.inFlight.splice(at, 1);
            r.stores[op.to]!.handleRecord(r.now, 'peer', msg);
            break;
          }
          case 'drop':
            if (r.inFlight.length > 0) r.inFlight.splice(op.pick % r.inFlight.length, 1);
            break;
          case 'restart':
            r.restart(op.owner);
            break;
          case 'tick':
            r.advance(op.ms);
            break;
        }
      }
      // Quiet: sync, let adoption windows close (their withdrawals are news), sync again.
      r.antiEntropy();
      r.advance(60_000);
      r.antiEntropy();
      r.advance(1000);
      const roots = new Set(r.stores.map((s) => JSON.stringify(s.table.digest().root())));
      t.is(roots.size, 1, 'tables agree bit for bit');
      const truth = r.stores
        .flatMap((s) => s.local())
        .map((e) => `${e.agent}|${e.id}|${e.name}`)
        .sort();
      for (const s of r.stores)
        t.deepEqual(
          s
            .list()
            .map((e) => `${e.agent}|${e.id}|${e.name}`)
            .sort(),
          truth,
          'every view is exactly what the owners publish',
        );
    }),
    { numRuns: 300 },
  );
});
