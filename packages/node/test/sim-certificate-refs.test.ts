import test from 'ava';
import { randomBytes } from 'node:crypto';
import { seedFromEnv } from '@trellis/sim';
import { toMemberMessage } from '@trellis/swim';
import { certificateOnRecord, certificateRef } from '../src/identity/certificate.js';
import { TestCa } from './helpers/sim-identity.js';
import { cluster, codec, inject, memberPayload, others, rejected, victim } from './helpers/signed-cluster.js';
import type { SimCluster } from './helpers/sim-cluster.js';

/**
 * Issue 12 §5, identity on: gossip names a member's certificate by reference (`cr`, 8 bytes)
 * instead of carrying it. A reference never vouches: a record whose certificate a node does not
 * hold is not admitted until the certificate itself arrives and verifies, and a reference to a
 * certificate it holds only selects the key the record's signature must verify against.
 */

/** The ids each node asked `addr` for (`mq` queries), by the asking node's address. */
function listenForQueries(c: SimCluster, addr: string): Map<string, string[]> {
  const asked = new Map<string, string[]>();
  const host = c.sim.host(addr) ?? c.sim.addHost(addr);
  host.listen({
    onDatagram: (from, payload) => {
      const decoded = codec.decode(payload);
      if (!decoded.ok) return;
      for (const m of decoded.messages as { t?: unknown; ids?: string[] }[])
        if (m.t === 'mq' && Array.isArray(m.ids)) asked.set(from, [...(asked.get(from) ?? []), ...m.ids]);
    },
    onRequest: () => undefined,
  });
  return asked;
}

const holds = (c: SimCluster, id: string) => c.running().filter((n) => n.members().some((m) => m.id === id));

test('a record naming a certificate by reference is admitted only once the certificate arrives and verifies', (t) => {
  const seed = seedFromEnv(1251);
  const ca = new TestCa();
  const c = cluster(seed, ca);
  const addr = '10.66.6.9:7946';
  const asked = listenForQueries(c, addr);
  const n9 = ca.identity('n9');
  const msg = toMemberMessage({
    id: 'n9',
    addr,
    incarnation: c.sim.now,
    status: 'alive',
    meta: new Uint8Array(),
  });
  const signed = { ...msg, sg: n9.sign(memberPayload(msg, 'n9')) };

  // Its own key signed it, and the reference is to its real CA-issued certificate: not enough.
  inject(c, addr, [{ ...signed, cr: certificateRef(n9.certificate) }]);
  c.sim.run(1_000);
  t.deepEqual(
    holds(c, 'n9').map((n) => n.id),
    [],
    'nobody admits n9 on a reference alone',
  );
  t.is(asked.size, 5, `SEED=${seed}: every node asked the sender for the record in full`);
  for (const ids of asked.values()) t.true(ids.includes('n9'));

  // Answered with a certificate from a CA nobody trusts: still not admitted.
  const stranger = new TestCa().identity('n9');
  inject(c, addr, [{ ...signed, c: certificateOnRecord(stranger.certificate) }]);
  c.sim.run(1_000);
  t.is(holds(c, 'n9').length, 0, 'a certificate that does not verify admits nothing');
  t.true(rejected(c.running(), 'member:untrustedCertificate') >= 5);

  // Answered with the real certificate: admitted everywhere.
  inject(c, addr, [{ ...signed, c: certificateOnRecord(n9.certificate) }]);
  c.sim.run(1_000);
  t.is(holds(c, 'n9').length, 5, 'admitted once its certificate arrived and verified');
});

test('a reference to a certificate a node holds does not vouch: a forged record naming it is refused', (t) => {
  const seed = seedFromEnv(1252);
  const ca = new TestCa();
  const c = cluster(seed, ca);
  const real = c
    .node(0)
    .members()
    .find((m) => m.id === victim)!;
  const forged = toMemberMessage({ ...real, addr: '10.66.6.6:7946', incarnation: real.incarnation + 1_000 });
  // Issuing again gives the same certificate (Ed25519 is deterministic): its real reference.
  const cr = certificateRef(ca.identity(victim).certificate);
  const attacker = ca.identity('n3');
  inject(c, '10.66.6.6:7946', [{ ...forged, cr, sg: randomBytes(64) }]);
  inject(c, c.addrOf('n3'), [{ ...forged, cr, sg: attacker.sign(memberPayload(forged, victim)) }]);
  c.sim.run(5_000);
  for (const n of others(c)) {
    const m = n.members().find((x) => x.id === victim);
    t.is(m?.addr, real.addr, `${n.id} holds ${victim} at its own address`);
    t.is(m?.status, 'alive');
  }
  t.true(rejected(others(c), 'member:badSignature') >= 8, 'both forgeries refused at every other node');
});

test('an honest cluster gossips references and fills in certificates by asking: nothing refused', (t) => {
  const seed = seedFromEnv(1253);
  const c = cluster(seed, new TestCa());
  const stats = c.running().map((n) => n.core.swim.stats());
  const sum = (k: 'certificateMisses' | 'certificateQueries' | 'certificateAnswers') =>
    stats.reduce((a, s) => a + s[k], 0);
  t.log(
    `misses ${sum('certificateMisses')}, queries ${sum('certificateQueries')}, answers ${sum('certificateAnswers')}`,
  );
  t.true(sum('certificateQueries') > 0, `SEED=${seed}: gossip named certificates by reference`);
  t.true(sum('certificateAnswers') > 0, 'and members answered');
  const refusals = c.running().flatMap((n) => Object.keys(n.stats().rejected));
  t.deepEqual(refusals, [], 'honest members refuse nothing of each other');
});

test('an alive record gossiped by reference (no signature) is admitted only once it arrives signed and verifies', (t) => {
  const seed = seedFromEnv(1254);
  const ca = new TestCa();
  const c = cluster(seed, ca);
  const addr = '10.66.6.10:7946';
  const asked = listenForQueries(c, addr);
  const n9 = ca.identity('n9');
  const c9 = certificateOnRecord(n9.certificate);
  const record = (incarnation: number) =>
    toMemberMessage({ id: 'n9', addr, incarnation, status: 'alive', meta: new Uint8Array() });
  const first = record(c.sim.now);
  inject(c, addr, [{ ...first, c: c9, sg: n9.sign(memberPayload(first, 'n9')) }]);
  c.sim.run(1_000);
  t.is(holds(c, 'n9').length, 5, `SEED=${seed}: n9 admitted, its certificate held everywhere`);

  // Its next record by reference: the certificate is known, the record is not, so it is asked for.
  const next = record(first.i + 1);
  inject(c, addr, [{ ...next, cr: certificateRef(n9.certificate) }]);
  c.sim.run(1_000);
  const incarnations = () => holds(c, 'n9').map((n) => n.members().find((m) => m.id === 'n9')!.incarnation);
  t.deepEqual(incarnations(), [first.i, first.i, first.i, first.i, first.i], 'nobody takes it unsigned');
  t.is(asked.size, 5, 'every node asked the sender for the record in full');
  t.is(rejected(c.running(), 'member:unsigned'), 0, 'a reference is a miss, not a bad record');

  inject(c, addr, [{ ...next, c: c9, sg: randomBytes(64) }]);
  c.sim.run(1_000);
  t.deepEqual(
    incarnations(),
    [first.i, first.i, first.i, first.i, first.i],
    'a bad signature changes nothing',
  );
  t.true(rejected(c.running(), 'member:badSignature') >= 5);

  inject(c, addr, [{ ...next, c: c9, sg: n9.sign(memberPayload(next, 'n9')) }]);
  c.sim.run(1_000);
  t.deepEqual(incarnations(), [next.i, next.i, next.i, next.i, next.i], 'taken once signed');
});

test('an unsigned reference to a newer record of a member changes nothing; the query goes to its sender', (t) => {
  const seed = seedFromEnv(1255);
  const ca = new TestCa();
  const c = cluster(seed, ca);
  const real = c
    .node(0)
    .members()
    .find((m) => m.id === victim)!;
  const addr = '10.66.6.11:7946';
  const asked = listenForQueries(c, addr);
  const forged = toMemberMessage({ ...real, addr, incarnation: real.incarnation + 1_000 });
  inject(c, addr, [{ ...forged, cr: certificateRef(ca.identity(victim).certificate) }]);
  c.sim.run(5_000);
  for (const n of c.running()) {
    const m = n.members().find((x) => x.id === victim);
    t.is(m?.addr, real.addr, `SEED=${seed}: ${n.id} holds ${victim} at its own address`);
    t.is(m?.incarnation, real.incarnation);
  }
  t.is(
    asked.size,
    5,
    'every node asked the sender (the victim too: its own id elsewhere), which cannot answer',
  );
});

test('a reference to our own id at another address is asked for; only our own key in the answer is a conflict', (t) => {
  const seed = seedFromEnv(1256);
  const ca = new TestCa();
  const c = cluster(seed, ca);
  const target = c.node('n0');
  const conflicts: string[] = [];
  target.on('memberConflict', (e) => conflicts.push(e.theirs));
  const self = target.members().find((m) => m.id === 'n0')!;
  const addr = '10.66.6.12:7946';
  const asked = listenForQueries(c, addr);
  const twin = toMemberMessage({ ...self, incarnation: self.incarnation - 1, addr });
  const host = c.sim.host(addr)!;
  const send = (m: object) => {
    for (const p of codec.encodeDatagrams([m]).packets) host.sendDatagram(target.address, p);
  };
  send({ ...twin, cr: certificateRef(ca.identity('n0').certificate) });
  c.sim.run(1_000);
  t.deepEqual(conflicts, [], `SEED=${seed}: a reference alone is no alarm`);
  t.deepEqual(asked.get(target.address), ['n0'], 'n0 asked the sender for its signed record');
  send({
    ...twin,
    c: certificateOnRecord(ca.identity('n0').certificate),
    sg: ca.identity('n0').sign(memberPayload(twin, 'n0')),
  });
  c.sim.run(1_000);
  t.deepEqual(conflicts, [addr]);
});
