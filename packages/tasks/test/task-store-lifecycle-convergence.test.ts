import test from 'ava';
import fc from 'fast-check';
import type { MemberRecord, MemberStatus } from '@trellis/membership';
import type { Instant } from '@trellis/runtime';
import type { Liveness, StoreContext } from '@trellis/store';
import { StoreTestbed } from '@trellis/store/testbed';
import { TaskStore } from '../src/task-store.js';
import type { TaskWire } from '../src/task-record.js';

/**
 * Convergence through the owner lifecycle: owners crash, come back in the same life (a healed
 * partition) or a new one (a restart), leave; news is lost, duplicated, reordered and delivered
 * late (stale copies). After a quiet period of anti-entropy, sweeps and grace periods, every
 * running replica must hold the same table and show exactly what the running owners publish:
 * no live owner's record reaped for good, no withdrawn or departed record back, nothing
 * circulating.
 */
const owners = ['a', 'b', 'c'];
const ids = ['x', 'y'];
const config = {
  graceMs: 100,
  reapMs: 1000,
  // Longer than the quiet period's anti-entropy rounds are apart, as in any real setting: a
  // tombstone collected before it reached everyone lets a stale copy back (the known limit).
  tombstoneTtlMs: 100_000,
  adoptWindowMs: 500,
  recomputeDelayMs: 10,
};

type Op =
  | { kind: 'publish'; owner: number; id: number; name: number }
  | { kind: 'withdraw'; owner: number; id: number }
  | { kind: 'deliver'; pick: number; to: number; duplicate: boolean }
  | { kind: 'drop'; pick: number }
  | { kind: 'crash' | 'restart' | 'return' | 'leave'; owner: number }
  | { kind: 'tick'; ms: number };

const owner = fc.nat(2);
const arbOp: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('publish' as const), owner, id: fc.nat(1), name: fc.nat(2) }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('withdraw' as const), owner, id: fc.nat(1) }) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('deliver' as const),
      pick: fc.nat(),
      to: owner,
      duplicate: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), pick: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constantFrom('crash' as const, 'restart' as const, 'return' as const, 'leave' as const),
      owner,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 1, max: 70_000 }) }),
  },
);

/** One member table everyone reads (membership itself is tested elsewhere). */
class World implements Liveness {
  readonly #members = new Map<string, { record: MemberRecord; since: Instant }>();

  member(id: string): MemberRecord | undefined {
    return this.#members.get(id)?.record;
  }

  since(id: string): Instant | undefined {
    return this.#members.get(id)?.since;
  }

  set(now: Instant, id: string, status: MemberStatus, incarnation: number): void {
    const record = { id, addr: `${id}:1`, incarnation, status, meta: new Uint8Array() };
    this.#members.set(id, { record, since: now });
  }
}

class Cluster {
  now: Instant = 1_000_000;
  readonly world = new World();
  readonly stores: TaskStore[] = [];
  readonly running: boolean[] = [];
  readonly inFlight: TaskWire[] = [];

  constructor() {
    for (let k = 0; k < owners.length; k++) this.#start(k);
  }

  #start(k: number): void {
    const generation = this.now++;
    this.world.set(this.now, owners[k]!, 'alive', generation);
    const ctx: StoreContext = {
      ...new StoreTestbed({ selfId: owners[k]!, generation }).context('tasks'),
      now: this.now,
      liveness: this.world,
      broadcast: (_key, msg) => this.inFlight.push(msg as TaskWire),
    };
    this.stores[k] = new TaskStore({ ctx, config });
    this.running[k] = true;
    this.#signal(k);
  }

  #signal(k: number): void {
    const m = this.world.member(owners[k]!)!;
    this.stores.forEach((s, i) => {
      if (this.running[i]) s.handleSignal(this.now, { type: 'memberChanged', id: m.id, status: m.status });
    });
  }

  lifecycle(kind: 'crash' | 'restart' | 'return' | 'leave', k: number): void {
    const m = this.world.member(owners[k]!)!;
    if (kind === 'restart' && !this.running[k]) return this.#start(k);
    if (kind === 'return' && !this.running[k] && m.status === 'dead') {
      // A healed partition: the same life refutes its death.
      this.running[k] = true;
      this.world.set(this.now, m.id, 'alive', m.incarnation + 1);
    } else if ((kind === 'crash' || kind === 'leave') && this.running[k]) {
      if (kind === 'leave') this.stores[k]!.leave(this.now);
      this.running[k] = false;
      this.world.set(this.now, m.id, kind === 'crash' ? 'dead' : 'left', m.incarnation);
    } else return;
    this.#signal(k);
  }

  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = this.stores
        .filter((_, i) => this.running[i])
        .map((s) => s.pollTimeout())
        .filter((t): t is number => t !== undefined && t <= until);
      if (due.length === 0) break;
      this.now = Math.max(this.now, Math.min(...due));
      this.stores.forEach((s, i) => {
        if (this.running[i] && (s.pollTimeout() ?? Infinity) <= this.now) s.handleTimeout(this.now);
      });
    }
    this.now = until;
  }

  /** Push-pull between every pair of running replicas until nothing changes. */
  antiEntropy(): void {
    const up = this.stores.filter((_, i) => this.running[i]);
    for (let round = 0; round < 20; round++) {
      this.inFlight.length = 0;
      for (const from of up)
        for (const to of up) if (from !== to) to.handleRecords?.(this.now, 'peer', [...from.table.all()]);
      if (this.inFlight.length === 0) return;
    }
  }

  apply(op: Op): void {
    const store = 'owner' in op ? this.stores[op.owner]! : undefined;
    const up = 'owner' in op && this.running[op.owner] === true;
    switch (op.kind) {
      case 'publish':
        if (up)
          store!.publish(this.now, {
            id: ids[op.id]!,
            name: `t${op.name}`,
            framework: 'f',
            agentIp: '10.0.0.1',
          });
        return;
      case 'withdraw':
        if (up) store!.withdraw(this.now, ids[op.id]!);
        return;
      case 'deliver': {
        if (this.inFlight.length === 0 || !this.running[op.to]) return;
        const at = op.pick % this.inFlight.length;
        const msg = this.inFlight[at]!;
        if (!op.duplicate) this.inFlight.splice(at, 1);
        this.stores[op.to]!.handleRecord(this.now, 'peer', msg);
        return;
      }
      case 'drop':
        if (this.inFlight.length > 0) this.inFlight.splice(op.pick % this.inFlight.length, 1);
        return;
      case 'tick':
        this.advance(op.ms);
        return;
      default:
        this.lifecycle(op.kind, op.owner);
    }
  }
}

const show = (entries: readonly { agent: string; id: string; name: string }[]) =>
  entries.map((e) => `${e.agent}|${e.id}|${e.name}`).sort();

test('task-store replicas converge through crashes, returns, restarts and leaves', (t) => {
  const fail = (message: string): never => {
    t.log(message);
    throw new Error(message);
  };
  fc.assert(
    fc.property(fc.array(arbOp, { maxLength: 50 }), (ops) => {
      const c = new Cluster();
      for (const op of ops) c.apply(op);
      // Quiet: anti-entropy, then long enough for adoption windows, grace periods, reaps and
      // tombstone TTLs (and their quarantine) to run out at every replica's sweeps.
      for (let i = 0; i < 6; i++) {
        c.antiEntropy();
        c.advance(61_000);
      }
      c.antiEntropy();
      const up = c.stores.filter((_, i) => c.running[i]);
      const roots = new Set(up.map((s) => JSON.stringify(s.table.digest().root())));
      if (roots.size > 1)
        fail(`running replicas disagree: ${up.map((s) => show(s.list()).join(' ')).join(' | ')}`);
      const truth = show(up.flatMap((s) => s.local()));
      for (const s of up) {
        const view = show(s.list());
        if (view.join() !== truth.join())
          fail(`view ${view.join(' ')} but owners publish ${truth.join(' ')}`);
      }
      const leftovers = up.flatMap((s) =>
        [...s.table.all()].filter((r) => r.st !== 0 || !c.running[owners.indexOf(r.w)]),
      );
      if (leftovers.length > 0)
        fail(`still held: ${JSON.stringify(leftovers.map((r) => [r.w, r.i, r.g, r.v, r.st]))}`);
    }),
    { numRuns: process.env.TRELLIS_EXTENSIVE ? 3000 : 300 },
  );
  t.pass();
});
