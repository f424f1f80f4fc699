import { MemberTable, diffBuckets, diffEntries, rootsEqual } from '@trellis/membership';

const now = 1_700_000_000_000;
// A restarting node must start above every incarnation of its previous life: createNode
// (@trellis/node) starts at the unix time in ms, above its last life unless the clock went back.
const a = new MemberTable({ id: 'a', addr: '10.0.0.1:7946', incarnation: now }, now);
const b = new MemberTable({ id: 'b', addr: '10.0.0.2:7946', incarnation: now }, now);

// Gossip: a record is its own delta.
b.merge(a.self(), now); // { kind: 'applied', change: { previous: undefined, current: ... } }
a.merge(b.self(), now);

// Failure detection: b suspects a at the incarnation it probed.
const delta = b.suspect('a', a.self().incarnation, now + 1000);
// a hears about it and refutes with a higher incarnation instead of storing it.
const outcome = a.merge(delta?.current, now + 1100); // { kind: 'refuted', change }
if (outcome.kind === 'refuted') b.merge(outcome.change.current, now + 1200);
console.log(b.get('a')?.status); // 'alive'

// Anti-entropy (the protocol layer does these three round trips):
if (!rootsEqual(a.digest().root(), b.digest().root())) {
  const buckets = diffBuckets(a.digest().buckets(), b.digest().buckets()) ?? [];
  const keys = diffEntries(a.digest().entries(buckets), b.digest().entries(buckets));
  for (const id of keys) {
    const mine = a.get(id);
    if (mine) b.merge(mine, now);
  }
}
console.log(rootsEqual(a.digest().root(), b.digest().root())); // true
