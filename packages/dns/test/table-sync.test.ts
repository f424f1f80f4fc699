import test from 'ava';
import type { TaskEntry } from '@trellis/tasks';
import { TableDiffer, TableReplica } from '../src/table-sync.js';

function entry(id: string, ipv4: string, name = id): TaskEntry {
  return {
    id,
    name,
    framework: 'marathon',
    agent: 'a',
    agentIp: '10.0.0.1',
    networks: [{ name: 'dcos', ipv4 }],
  };
}

/** A little generator of our own (no Math.random in tests of cores): xorshift32. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

test('a change of one task of 1,000 sends that task alone, and no order', (t) => {
  const differ = new TableDiffer();
  const table = Array.from({ length: 1000 }, (_, i) => entry(`t${i}`, `9.0.${i >> 8}.${i & 255}`));
  differ.change(table);
  const next = table.map((e, i) => (i === 500 ? entry(e.id, '9.9.9.9') : e));
  t.deepEqual(differ.change(next), { kind: 'delta', upserts: [next[500]], removals: [] });
  t.deepEqual(differ.change(next.slice(1)), { kind: 'delta', upserts: [], removals: ['t0'] });
});

test('the replica holds the owner table in its order after every change: adds, removals, edits, reorders, repeated ids', (t) => {
  const next = rng(17);
  const differ = new TableDiffer();
  const replica = new TableReplica();
  let table: TaskEntry[] = [];
  let orders = 0;
  for (let round = 0; round < 300; round++) {
    const r = next();
    if (r < 0.3) table.push(entry(`t${Math.floor(next() * 60)}-${round}`, `9.0.0.${round & 255}`));
    else if (r < 0.5 && table.length > 0) table.splice(Math.floor(next() * table.length), 1);
    else if (r < 0.7 && table.length > 0) {
      const i = Math.floor(next() * table.length);
      table[i] = entry(table[i]!.id, `9.1.0.${round & 255}`);
    } else if (r < 0.8) table = [...table].reverse();
    else if (r < 0.85 && table.length > 0) table = [...table, table[0]!];
    const change = differ.change(table);
    if (change.kind === 'delta' && change.order !== undefined) orders++;
    // Over IPC, as a worker gets it.
    t.deepEqual(replica.apply(JSON.parse(JSON.stringify(change)) as typeof change), table, `round ${round}`);
    // A repeated id last round: drop the repeats again so the table goes on changing as a store's would.
    table = table.filter((e, i) => table.findIndex((f) => f.id === e.id) === i);
  }
  t.true(orders > 0, 'some changes had to carry the order');
});
