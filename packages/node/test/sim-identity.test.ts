import test from 'ava';
import { randomBytes } from 'node:crypto';
import { seedFromEnv } from '@trellis/sim';
import { toMemberMessage } from '@trellis/swim';
import type { GossipNode } from './helpers/sim-cluster.js';
import { TestCa } from './helpers/sim-identity.js';
import { tablesMatchTruth, underlayOf } from './helpers/routes-fixtures.js';
import {
  cluster,
  codec,
  converged,
  inject,
  memberPayload,
  others,
  rejected,
  victim,
} from './helpers/signed-cluster.js';

/**
 * Issue 12, identity on: every record is signed by whoever may write it, and a record signed by
 * anyone else (or by no one) is dropped and counted, whether an outsider or an admitted member
 * sends it. Node 2 is the victim, node 3 the insider.
 */

test('a cluster with identity converges, signs every record it sends and declares a real failure', (t) => {
  const seed = seedFromEnv(1201);
  const c = cluster(seed, new TestCa());
  for (const name of ['routes', 'tasks']) {
    const records = c.node(0).core.store(name)!.allRecords() as { sg?: unknown }[];
    t.true(
      records.length >= 5,
      `${name}: ${records.length} ${JSON.stringify(c.node(0).stores.routes.table('ov').length)}`,
    );
    t.true(
      records.every((r) => r.sg instanceof Uint8Array && r.sg.length === 64),
      `${name} records are signed`,
    );
  }
  c.crash(4);
  const crashedAt = c.sim.now;
  const dead = c.sim.runUntil(
    () => c.running().every((n) => n.members().find((m) => m.id === 'n4')?.status === 'dead'),
    { timeoutMs: 30_000 },
  );
  t.true(dead, `SEED=${seed}: n4 declared dead by every node`);
  t.log(`declared dead after ${c.sim.now - crashedAt} ms (virtual)`);
  const refusals = c
    .running()
    .flatMap((n) =>
      Object.keys(n.stats().rejected).filter((k) => k.startsWith('member:') || k.includes('Signature')),
    );
  t.deepEqual(refusals, [], 'honest members refuse nothing of each other');
});

test('forged member records (unsigned, or signed by another member) are refused and the victim stays alive', (t) => {
  const seed = seedFromEnv(1202);
  const c = cluster(seed, new TestCa());
  const real = c
    .node(0)
    .members()
    .find((m) => m.id === victim)!;
  const left = toMemberMessage({ ...real, incarnation: real.incarnation + 1_000, status: 'left' });
  const dead = {
    ...toMemberMessage({ ...real, incarnation: real.incarnation + 1_000, status: 'dead' }),
    by: 'n3',
  };
  // The outsider sends them bare; the insider (n3, admitted) with a signature of its own key.
  inject(c, '10.66.6.6:7946', [left, dead]);
  inject(c, c.addrOf('n3'), [
    { ...left, sg: randomBytes(64) },
    { ...dead, sg: randomBytes(64) },
  ]);
  c.sim.run(20_000);
  for (const n of others(c))
    t.is(n.members().find((m) => m.id === victim)?.status, 'alive', `${n.id} holds ${victim} alive`);
  t.true(rejected(others(c), 'member:unsigned') >= 4, 'bare forgeries counted as unsigned');
  t.true(rejected(others(c), 'member:badSignature') >= 4, 'forgeries with a wrong signature counted');
  t.true(converged(c, 5), 'routes and tasks untouched');
});

test("forged route and task records (a peer's signature broken, or none) are refused: the owner's record stands", (t) => {
  const seed = seedFromEnv(1203);
  const c = cluster(seed, new TestCa());
  const route = (c.node(0).core.store('routes')!.allRecords() as Record<string, unknown>[]).find(
    (r) => r.w === victim,
  )!;
  const task = (c.node(0).core.store('tasks')!.allRecords() as Record<string, unknown>[]).find(
    (r) => r.w === victim,
  )!;
  t.truthy(task, 'a task record of the victim');
  const forgedRoute: Record<string, unknown> = { ...route, u: '6.6.6.6', v: (route.v as number) + 1_000 };
  const forgedTask: Record<string, unknown> = { ...task, v: (task.v as number) + 1_000 };
  const bareRoute = { ...forgedRoute, sg: undefined };
  const bareTask = { ...forgedTask, sg: undefined };
  inject(c, '10.66.6.6:7946', [bareRoute, bareTask]);
  inject(c, c.addrOf('n3'), [forgedRoute, forgedTask]);
  c.sim.run(20_000);
  t.true(tablesMatchTruth(c, 'ov'), `SEED=${seed}: every node routes ${victim}'s slice to its own underlay`);
  for (const n of others(c)) {
    const entry = n.stores.routes.table('ov').find((e) => e.owner === victim);
    t.is(entry?.underlayIp, underlayOf(victim), n.id);
  }
  const refusals = others(c).flatMap((n) => [
    n.stores.routes.stats().rejected,
    n.stores.tasks.stats().rejected,
  ]);
  const bad = refusals.reduce((sum, r) => sum + ((r as Record<string, number>).badSignature ?? 0), 0);
  t.true(bad >= 8, `forgeries refused as badSignature at every node (${bad})`);
});

test('a node certified by another CA is never admitted: its records are refused, counted by reason', (t) => {
  const seed = seedFromEnv(1204);
  const ca = new TestCa();
  const c = cluster(seed, ca);
  const stranger = new TestCa().identity('x9');
  const rec = {
    id: 'x9',
    addr: '10.66.6.9:7946',
    incarnation: c.sim.now,
    status: 'alive' as const,
    meta: new Uint8Array(),
  };
  const msg = toMemberMessage(rec);
  // Signed with its own key, presenting a certificate from a CA nobody trusts.
  inject(c, rec.addr, [{ ...msg, c: stranger.certificate, sg: randomBytes(64) }]);
  c.sim.run(10_000);
  for (const n of c.running())
    t.is(
      n.members().find((m) => m.id === 'x9'),
      undefined,
      `${n.id} does not list x9`,
    );
  t.true(rejected(c.running(), 'member:untrustedCertificate') >= 5);
});

test('with identity, a falsely suspected node refutes, and a crashed node that restarts with its key is admitted again', (t) => {
  const seed = seedFromEnv(1205);
  const c = cluster(seed, new TestCa());
  // Cut n1 off long enough to be suspected, not declared dead: its own signed record refutes.
  c.sim.hold(c.addrOf('n1'));
  const suspected = c.sim.runUntil(
    () => c.running().some((n) => n.members().find((m) => m.id === 'n1')?.status === 'suspect'),
    { timeoutMs: 20_000 },
  );
  t.true(suspected, `SEED=${seed}: n1 suspected`);
  c.sim.release(c.addrOf('n1'));
  t.true(
    c.sim.runUntil(() => converged(c, 5), { timeoutMs: 30_000 }),
    'n1 refuted: alive everywhere',
  );
  c.crash(4);
  t.true(
    c.sim.runUntil(
      () => c.running().every((n) => n.members().find((m) => m.id === 'n4')?.status === 'dead'),
      {
        timeoutMs: 30_000,
      },
    ),
  );
  c.restart(4);
  t.true(
    c.sim.runUntil(() => converged(c, 5), { timeoutMs: 60_000 }),
    'n4 back: members, routes, tasks',
  );
  const refusals = c
    .running()
    .flatMap((n) => Object.keys(n.stats().rejected).filter((k) => k.startsWith('member:')));
  t.deepEqual(refusals, []);
});

test("kv records are signed too: a forged owned entry and a shared write in another's name are refused", (t) => {
  const seed = seedFromEnv(1206);
  const c = cluster(seed, new TestCa());
  const owned = (n: GossipNode) => n.kv('racks');
  const shared = (n: GossipNode) => n.kv('leader', { mode: 'shared' });
  for (const n of c.running()) owned(n);
  for (const n of c.running()) shared(n);
  owned(c.node(victim)).set('rack', 'r1');
  shared(c.node(victim)).set('leader', victim);
  const spread = () =>
    others(c).every((n) => owned(n).get('rack', victim) === 'r1' && shared(n).get('leader') === victim);
  t.true(c.sim.runUntil(spread, { timeoutMs: 30_000 }), `SEED=${seed}: the victim's entries spread`);
  const records = (name: string) =>
    c.node(0).core.store(`kv:${name}`)!.allRecords() as Record<string, unknown>[];
  const own = records('racks').find((r) => r.w === victim)!;
  const lead = records('leader')[0]!;
  const evil = new Uint8Array([0xa4, 0x65, 0x76, 0x69, 0x6c]); // msgpack "evil"
  const forgedOwn = { ...own, v: (own.v as number) + 1_000, d: evil };
  // A later write in the victim's name: the insider's signature is not the victim's.
  const forgedLead = { ...lead, l: (lead.l as number) + 1, d: evil };
  inject(c, c.addrOf('n3'), [forgedOwn, forgedLead]);
  inject(c, '10.66.6.6:7946', [
    { ...forgedOwn, sg: undefined },
    { ...forgedLead, sg: undefined },
  ]);
  c.sim.run(20_000);
  t.true(spread(), 'every node still holds the victim’s values');
  const bad = others(c).reduce((sum, n) => sum + (owned(n).stats().rejected.badSignature ?? 0), 0);
  t.true(bad >= 8, `forged owned entries refused everywhere (${bad})`);
});

test("user messages are signed: a broadcast or a send in another member's name is refused, the real one delivered", (t) => {
  const seed = seedFromEnv(1207);
  const c = cluster(seed, new TestCa());
  const got: { at: string; from: string; topic: string; payload: unknown }[] = [];
  for (const n of c.running())
    n.on('message', (m) => got.push({ at: n.id, from: m.from, topic: m.topic, payload: m.payload }));
  const forged = { t: 'u', o: victim, g: 1, q: 1, tp: 'deploy', p: 'rm -rf' };
  inject(c, c.addrOf('n3'), [{ ...forged, sg: randomBytes(64) }]);
  inject(c, '10.66.6.6:7946', [forged]);
  const outsider = c.sim.host('10.66.6.6:7946')!;
  const replies: unknown[] = [];
  const frame = codec.encodeFrame([{ t: 'us', o: victim, tp: 'deploy', p: 'rm -rf' }]);
  outsider.request(c.addrOf('n0'), frame, 5_000, (_at, reply) => replies.push(reply));
  c.node(victim).broadcast('deploy', 'v2');
  c.sim.run(10_000);
  const deliveredFromVictim = got.filter((m) => m.from === victim);
  t.deepEqual(
    deliveredFromVictim.map((m) => m.payload),
    others(c).map(() => 'v2'),
    `only the victim's own broadcast reached each of the others (SEED=${seed})`,
  );
  t.true(rejected(others(c), 'message:badSignature') >= 4);
  t.true(rejected(others(c), 'message:unsigned') >= 4);
  t.is(replies.length, 1);
  const answer = codec.decode(replies[0] as Uint8Array, 'stream');
  t.like(
    answer.ok ? answer.messages[0] : answer,
    { t: 'err', reason: 'unsigned' },
    'the forged send was refused',
  );
});

test('an admitted accuser cannot push a member above the incarnation it signed; a fair claim is refuted', (t) => {
  const seed = seedFromEnv(1208);
  const ca = new TestCa();
  const c = cluster(seed, ca);
  const insider = ca.identity('n3');
  const real = c
    .node(0)
    .members()
    .find((m) => m.id === victim)!;
  const claim = (incarnation: number) => {
    const m = toMemberMessage({ ...real, incarnation, status: 'dead' });
    return { ...m, by: 'n3', sg: insider.sign(memberPayload(m, 'n3')) };
  };
  inject(c, c.addrOf('n3'), [claim(Number.MAX_SAFE_INTEGER - 1)]);
  c.sim.run(5_000);
  t.true(rejected(others(c), 'member:claimAhead') >= 3, 'the saturated claim is refused');
  for (const n of c.running()) {
    const held = n.members().find((m) => m.id === victim)!;
    t.is(held.status, 'alive', n.id);
    t.true(held.incarnation < real.incarnation + 3_600_000, `${n.id}: incarnation not driven up`);
  }
  // A claim at the incarnation the victim signed is a claim SWIM allows: the victim refutes it.
  inject(c, c.addrOf('n3'), [claim(real.incarnation)]);
  t.true(
    c.sim.runUntil(
      () =>
        c.running().every((n) => n.members().find((m) => m.id === victim)?.status === 'alive') &&
        c
          .node(victim)
          .members()
          .find((m) => m.id === victim)!.incarnation > real.incarnation,
      { timeoutMs: 20_000 },
    ),
    `SEED=${seed}: the victim refuted and is alive everywhere`,
  );
});
