import test from 'ava';
import { Rng } from '@trellis/runtime';
import { seedFromEnv } from '@trellis/sim';
import type { GossipNode } from '../src/gossip-node.js';
import { WireCodec } from '../src/wire/wire-codec.js';
import { SimCluster } from './helpers/sim-cluster.js';

// Hostile input through the whole node (transport, driver, codec, core) on the simulator: an
// extra host sends mutated datagrams and stream requests to one member of a 3-node cluster.

const PACKETS = Number(process.env['FUZZ_PACKETS'] ?? 100_000);
/** Sent per virtual millisecond: the cluster keeps probing and gossiping between batches. */
const BATCH = 1000;
const ATTACKER = '10.0.99.99:7946';

type Template = Record<string, unknown>;

/** Valid messages of every kind the node reads, from which the fuzzer starts. */
function datagramTemplates(): Template[] {
  const md = new Uint8Array(0);
  return [
    { t: 'ping', seq: 1, id: 'n1', src: 'n0', sa: '10.0.0.1:7946' },
    { t: 'ack', seq: 1, src: 'n2' },
    { t: 'nack', seq: 7 },
    { t: 'preq', seq: 2, id: 'n2', ta: '10.0.0.3:7946', src: 'n0', nack: true },
    { t: 'm', id: 'x', a: '10.0.9.9:7946', i: 5, s: 1, md, by: 'n0' },
    { t: 'm', id: 'y', a: '10.0.9.8:7946', i: 1, s: 0, md },
  ];
}

/** Stream requests; the digest parts are a real member's, so push-pull rounds get past parsing. */
function requestTemplates(peer: GossipNode): Template[] {
  const member = { t: 'm', id: 'z', a: '10.0.9.7:7946', i: 3, s: 0, md: new Uint8Array(0) };
  const digest = peer.core.swim.table.digest();
  return [
    { t: 'sping', id: 'n1' },
    { t: 'pp', r: { members: digest.root() } },
    { t: 'pp', r: { members: [0, 0, 0, 0] } },
    { t: 'pp2', e: { members: { b: [0, 1], e: digest.entries([0, 1]) } } },
    { t: 'pp3', x: { members: [member] } },
    { t: 'join', x: { members: [member] } },
  ];
}

/** Something of the wrong type or out of range, for type confusion. */
function oddValue(rng: Rng): unknown {
  return rng.pick<() => unknown>([
    () => 'str',
    () => '',
    () => 'x'.repeat(rng.int(100, 400)),
    () => Number.MAX_SAFE_INTEGER + 2,
    () => 2 ** 64,
    () => -rng.int(1, 1000),
    () => NaN,
    () => Infinity,
    () => 1.5,
    () => null,
    () => true,
    () => [],
    () => [[[1, [2, ['deep']]]]],
    () => ({ nested: { t: 'ping' } }),
    () => new Uint8Array(rng.int(0, 600)),
  ])();
}

function confuse(rng: Rng, template: Template): Template {
  const out: Template = { ...template };
  const keys = [...Object.keys(out), 'extra'];
  for (let n = rng.int(1, 3); n > 0; n--) out[rng.pick(keys)] = oddValue(rng);
  if (rng.chance(0.1)) out['t'] = rng.pick(['zz', '', 'pong', 'joinr', 'err', 'pp1', 'ok']);
  return out;
}

function mutateBytes(rng: Rng, bytes: Uint8Array): Uint8Array {
  switch (rng.int(0, 5)) {
    case 0:
      return bytes.subarray(0, rng.int(0, bytes.length));
    case 1: {
      const out = new Uint8Array(bytes);
      for (let n = rng.int(1, 5); n > 0; n--) out[rng.int(0, out.length)]! ^= 1 << rng.int(0, 8);
      return out;
    }
    case 2: {
      // Splice random bytes in.
      const at = rng.int(0, bytes.length + 1);
      const noise = Uint8Array.from({ length: rng.int(1, 16) }, () => rng.int(0, 256));
      return Buffer.concat([bytes.subarray(0, at), noise, bytes.subarray(at)]);
    }
    case 3: {
      // An interesting msgpack type byte (lengths that lie, reserved codes) somewhere.
      const out = new Uint8Array(bytes);
      out[rng.int(2, Math.max(3, out.length))] = rng.pick([
        0xc1, 0xc4, 0xc6, 0xc7, 0xc9, 0xd4, 0xdb, 0xdc, 0xdd, 0xde, 0xdf, 0xff, 0x00,
      ]);
      return out;
    }
    default:
      return bytes; // confused fields alone, in a well-formed envelope
  }
}

/** One hostile payload: sometimes valid, mostly confused, truncated or mutated. */
function payload(rng: Rng, codec: WireCodec, templates: readonly Template[], stream: boolean): Uint8Array {
  if (rng.chance(0.02)) return Uint8Array.from({ length: rng.int(0, 64) }, () => rng.int(0, 256));
  const count = stream ? 1 : rng.int(1, 4);
  const msgs = Array.from({ length: count }, () => {
    const tpl = rng.pick(templates);
    return rng.chance(0.6) ? confuse(rng, tpl) : tpl;
  });
  const bytes = stream ? codec.encodeFrame(msgs) : codec.encodeDatagrams(msgs).packets[0]!;
  return rng.chance(0.7) ? mutateBytes(rng, bytes) : bytes;
}

const rejectedTotal = (rejected: Readonly<Record<string, number>>): number =>
  Object.values(rejected).reduce((a, b) => a + b, 0);

test('a node survives 100,000 hostile packets and requests, and counts them', (t) => {
  const seed = seedFromEnv(0xf022);
  t.log(`SEED=${seed}`);
  const rng = Rng.fromSeed(seed).fork('fuzz');
  const c = new SimCluster({ seed, nodes: 3 });
  t.true(c.sim.runUntil(() => c.allSeeAlive(c.ids()), { timeoutMs: 5000 }));
  const target = c.node(1);
  const targetAddr = c.addrOf('n1');
  const attacker = c.sim.addHost(ATTACKER);
  // The attacker is a bare host: nothing listens, replies to its requests are dropped.
  const codec = new WireCodec({});
  const datagrams = datagramTemplates();
  const requests = requestTemplates(c.node(0));

  const before = rejectedTotal(target.stats().rejected);
  const started = performance.now();
  let sent = 0;
  let requestsSent = 0;
  let replies = 0;
  const checkpoints: number[] = [];
  while (sent < PACKETS) {
    for (let i = 0; i < BATCH && sent < PACKETS; i++, sent++) {
      if (rng.chance(0.1)) {
        requestsSent++;
        attacker.request(targetAddr, payload(rng, codec, requests, true), 1000, (error) => {
          if (error === undefined) replies++;
        });
      } else {
        attacker.sendDatagram(targetAddr, payload(rng, codec, datagrams, false));
      }
    }
    c.sim.run(1); // a throw out of any node fails the test here
    if (sent % (PACKETS / 4) === 0) checkpoints.push(rejectedTotal(target.stats().rejected));
  }
  c.sim.run(2000);
  const elapsedMs = performance.now() - started;

  const stats = target.stats();
  const rejected = rejectedTotal(stats.rejected) - before;
  const reasons = Object.entries(stats.rejected).sort((a, b) => b[1] - a[1]);
  t.log(`${sent} payloads (${requestsSent} requests, ${replies} answered) in ${elapsedMs.toFixed(0)} ms`);
  t.log(`rejected ${rejected}; at quarters: ${checkpoints.join(', ')}`);
  t.log(`by reason: ${reasons.map(([k, v]) => `${k}=${v}`).join(' ')}`);
  t.log(`packetsIn ${stats.packetsIn}, requestsIn ${stats.requestsIn}`);
  t.true(rejected > 0);
  // Rejections keep growing through the run: nothing jams the input path.
  for (let i = 1; i < checkpoints.length; i++) t.true(checkpoints[i]! > checkpoints[i - 1]!);
  t.true((stats.rejected['wire:malformed'] ?? 0) > 0);
  t.true((stats.rejected['malformedMember'] ?? 0) + (stats.rejected['malformedPing'] ?? 0) > 0);

  // Whatever the fuzz added (its valid member records are accepted, as from any peer), the
  // three real members still see each other alive...
  const real = c.ids();
  for (const n of c.running())
    for (const id of real)
      t.true(['alive', 'suspect'].includes(n.member(id)?.status ?? ''), `${n.id} sees ${id}`);
  for (const n of c.running()) {
    const extras = n.members().filter((m) => !real.includes(m.id));
    const byStatus = { alive: 0, suspect: 0, dead: 0, left: 0 };
    for (const m of extras) byStatus[m.status]++;
    t.log(`${n.id} holds ${extras.length} members injected by the fuzz: ${JSON.stringify(byStatus)}`);
  }
  // ...and a new node can still join through the target.
  c.addNode(3, false);
  c.node(3).join([targetAddr]);
  const joinStart = c.sim.now;
  // The fuzz's accepted records crowd the gossip (and the target probes their dead addresses),
  // so the news of n3 may only reach n0 and n2 by push-pull (30 s in the lan profile), which
  // itself often picks an injected, unreachable member: minutes of virtual time, logged below.
  const joined = c.sim.runUntil(
    () => [0, 1, 2, 3].every((i) => c.running().every((n) => n.member(`n${i}`)?.status === 'alive')),
    { timeoutMs: 300_000, checkEveryMs: 50 },
  );
  t.log(`n3 known alive everywhere after ${c.sim.now - joinStart} virtual ms`);
  const view = c
    .running()
    .map((n) => `${n.id}: ${[0, 1, 2, 3].map((i) => `n${i}=${n.member(`n${i}`)?.status ?? '-'}`).join(' ')}`)
    .join('; ');
  t.true(joined, `n3 joined through the fuzzed node: ${view}`);
});
