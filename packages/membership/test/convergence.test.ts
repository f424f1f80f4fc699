/**
 * yjs-style convergence: seeded random local operations on random replicas, deltas delivered
 * in random order with duplicates and drops while replicas go on and off line, then
 * digest-driven anti-entropy between random pairs until every digest agrees. Every replica must
 * end up with exactly the same table. A failure prints `SEED=n`; `SEED=n` replays it.
 */
import test from 'ava';
import { Rng } from '@trellis/runtime';
import { MemberTable, diffBuckets, diffEntries, rootsEqual, type MemberRecord } from '../src/index.js';
import { extensive, seedFromEnv } from './budget.js';

interface Budget {
  readonly seeds: number;
  readonly hosts: number;
  readonly extraIds: number;
  readonly steps: number;
}

const budget: Budget = extensive
  ? { seeds: 300, hosts: 8, extraIds: 8, steps: 3000 }
  : { seeds: 40, hosts: 5, extraIds: 3, steps: 600 };

interface Delivery {
  readonly to: number;
  readonly record: MemberRecord;
}

const addrs = ['10.0.0.1:7946', '10.0.0.2:7946', '[::1]:7946', 'node.example:1'];

/**
 * One run. Tables `0..hosts-1` are the replicas' own identities; the extra ids are further
 * tables co-hosted on replica `i % hosts` (they share its connectivity), so every id has
 * exactly one owner that can refute and raise it.
 */
class Cluster {
  readonly tables: MemberTable[] = [];
  readonly hostOf: number[] = [];
  readonly online: boolean[];
  readonly inflight: Delivery[] = [];
  now = 0;

  constructor(
    readonly rng: Rng,
    readonly b: Budget,
  ) {
    const digestBuckets = rng.pick([1, 4, 256]);
    const n = b.hosts + b.extraIds;
    for (let i = 0; i < n; i++) {
      const id = i < b.hosts ? `host-${i}` : `extra-${i - b.hosts}`;
      this.tables.push(
        new MemberTable({ id, addr: rng.pick(addrs), incarnation: rng.int(0, 3) }, 0, { digestBuckets }),
      );
      this.hostOf.push(i % b.hosts);
    }
    this.online = new Array<boolean>(b.hosts).fill(true);
    for (let i = 0; i < n; i++) this.broadcast(i, this.tables[i]!.self());
  }

  isUp(table: number): boolean {
    return this.online[this.hostOf[table]!]!;
  }

  broadcast(from: number, record: MemberRecord): void {
    for (let to = 0; to < this.tables.length; to++) {
      if (to === from || this.rng.chance(0.2)) continue; // dropped
      this.inflight.push({ to, record });
      if (this.rng.chance(0.1)) this.inflight.push({ to, record }); // duplicated
    }
  }

  step(): void {
    this.now += this.rng.int(1, 50);
    if (this.rng.chance(0.03)) {
      const h = this.rng.int(0, this.b.hosts);
      this.online[h] = !this.online[h];
    }
    if (this.inflight.length > 0 && this.rng.chance(0.5)) this.deliver();
    else this.localOp();
  }

  deliver(): void {
    const i = this.rng.int(0, this.inflight.length);
    const d = this.inflight[i]!;
    this.inflight[i] = this.inflight[this.inflight.length - 1]!;
    this.inflight.pop();
    if (!this.isUp(d.to)) return;
    const out = this.tables[d.to]!.merge(d.record, this.now);
    if (out.kind === 'refuted') this.broadcast(d.to, out.change.current);
    else if (out.kind === 'applied' && this.rng.chance(0.3)) this.broadcast(d.to, out.change.current);
  }

  localOp(): void {
    const i = this.rng.int(0, this.tables.length);
    if (!this.isUp(i)) return;
    const table = this.tables[i]!;
    const left = table.self().status === 'left';
    const others = table.all().filter((r) => r.id !== table.selfId);
    const roll = this.rng.float();
    let current: MemberRecord | undefined;
    if (roll < 0.2 && !left) {
      const meta = Uint8Array.from({ length: this.rng.int(0, 4) }, () => this.rng.int(0, 4));
      const patch = this.rng.chance(0.5) ? { meta } : { addr: this.rng.pick(addrs) };
      current = table.updateSelf(patch, this.now)?.current;
    } else if (roll < 0.3 && !left) {
      current = table.refute(this.now).current;
    } else if (roll < 0.35 && others.length > 0) {
      // A forged or buggy record: same incarnation and status, conflicting content. The join's
      // content tie-break must still make every replica pick the same one.
      const target = this.rng.pick(others);
      const meta = Uint8Array.of(this.rng.int(0, 4));
      current = { ...target, addr: this.rng.pick(addrs), meta };
    } else if (roll < 0.95 && others.length > 0) {
      const target = this.rng.pick(others);
      // Sometimes act on an older incarnation, as a slow probe would.
      const inc = Math.max(0, target.incarnation - this.rng.int(0, 2));
      const change = this.rng.chance(0.6)
        ? table.suspect(target.id, inc, this.now)
        : table.declareDead(target.id, inc, this.now);
      current = change?.current;
    } else if (this.rng.chance(0.3)) {
      current = table.leave(this.now)?.current;
    }
    if (current !== undefined) this.broadcast(i, current);
  }

  /** One push-pull between two tables: roots, then buckets, then only the differing keys. */
  antiEntropy(a: number, b: number): number {
    const A = this.tables[a]!;
    const B = this.tables[b]!;
    if (rootsEqual(A.digest().root(), B.digest().root())) return 0;
    const buckets = diffBuckets(A.digest().buckets(), B.digest().buckets())!;
    const keys = diffEntries(A.digest().entries(buckets), B.digest().entries(buckets));
    const fromA = keys.flatMap((k) => A.get(k) ?? []);
    const fromB = keys.flatMap((k) => B.get(k) ?? []);
    for (const r of fromA) B.merge(r, this.now);
    for (const r of fromB) A.merge(r, this.now);
    return keys.length;
  }

  agreed(): boolean {
    const root = this.tables[0]!.digest().root();
    return this.tables.every((t) => rootsEqual(t.digest().root(), root));
  }

  /** Only the owner raises an incarnation: nobody holds a record above the owner's own. */
  incarnationViolations(): string[] {
    const own = new Map(this.tables.map((t) => [t.selfId, t.self().incarnation]));
    return this.tables.flatMap((t) =>
      t
        .all()
        .filter((r) => r.incarnation > own.get(r.id)!)
        .map((r) => `${t.selfId} holds ${r.id}@${r.incarnation} > ${own.get(r.id)!}`),
    );
  }
}

const sorted = (t: MemberTable) => t.all().sort((x, y) => (x.id < y.id ? -1 : 1));

function runSeed(seed: number, b: Budget) {
  const cluster = new Cluster(Rng.fromSeed(seed), b);
  for (let s = 0; s < b.steps; s++) cluster.step();
  const violations = cluster.incarnationViolations();
  cluster.online.fill(true);
  cluster.inflight.length = 0; // whatever is still in flight is lost
  const n = cluster.tables.length;
  let rounds = 0;
  while (!cluster.agreed() && rounds < 100 * n * n) {
    const a = cluster.rng.int(0, n);
    const c = (a + cluster.rng.int(1, n)) % n;
    cluster.antiEntropy(a, c);
    rounds++;
  }
  return { cluster, violations, rounds };
}

test(`replicas converge after random ops, lossy delivery and anti-entropy (${extensive ? 'extensive' : 'quick'})`, (t) => {
  const replay = process.env['SEED'];
  const seeds =
    replay === undefined ? Array.from({ length: budget.seeds }, (_, i) => 1000 + i) : [seedFromEnv(0)];
  let totalRounds = 0;
  for (const seed of seeds) {
    let ok = false;
    try {
      const { cluster, violations, rounds } = runSeed(seed, budget);
      totalRounds += rounds;
      const first = sorted(cluster.tables[0]!);
      ok =
        t.deepEqual(violations, [], 'only owners raise incarnations') &&
        t.true(cluster.agreed(), 'digests agree') &&
        cluster.tables.every((table) => t.deepEqual(sorted(table), first, `table ${table.selfId}`)) &&
        t.is(first.length, cluster.tables.length);
    } finally {
      if (!ok) t.log(`SEED=${seed}`);
    }
    if (!ok) return;
  }
  t.log(`${seeds.length} seeds, ${totalRounds} anti-entropy rounds in total`);
});

test('anti-entropy exchanges nothing between replicas that agree', (t) => {
  const cluster = new Cluster(Rng.fromSeed(seedFromEnv(7)), { ...budget, steps: 0 });
  const n = cluster.tables.length;
  const rng = Rng.fromSeed(1);
  for (let guard = 0; !cluster.agreed() && guard < 10_000; guard++) {
    const a = rng.int(0, n);
    cluster.antiEntropy(a, (a + rng.int(1, n)) % n);
  }
  t.true(cluster.agreed());
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (a !== b) t.is(cluster.antiEntropy(a, b), 0);
});
