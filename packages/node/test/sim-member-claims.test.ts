import test from 'ava';
import { seedFromEnv } from '@trellis/sim';
import { toMemberMessage } from '@trellis/swim';
import type { MemberRecord } from '@trellis/membership';
import { TestCa } from './helpers/sim-identity.js';
import { cluster, inject, memberPayload, others, rejected, victim } from './helpers/signed-cluster.js';

/**
 * Issue 12: a suspect or dead claim is signed by its accuser, not by the member, so what the
 * member itself signed at that incarnation (its address and metadata) must stand: an admitted
 * member may accuse, never redirect a member's traffic to an address of its choosing.
 */

const attacker = '10.66.6.6:7946';

test("an admitted accuser's claim cannot rewrite the address or metadata the member signed", (t) => {
  const seed = seedFromEnv(1209);
  const ca = new TestCa();
  const c = cluster(seed, ca);
  const insider = ca.identity('n3');
  const held = (at: number) =>
    c
      .node(at)
      .members()
      .find((m) => m.id === victim)!;
  const real = held(0);
  const claim = (r: MemberRecord, status: 'suspect' | 'dead') => {
    const m = toMemberMessage({ ...r, status });
    return { ...m, by: 'n3', sg: insider.sign(memberPayload(m, 'n3')) };
  };
  // The victim is slow to hear of it (held), so a claim that was taken would stand a while.
  c.sim.hold(c.addrOf(victim));
  inject(c, c.addrOf('n3'), [claim({ ...real, addr: attacker }, 'suspect')]);
  inject(c, c.addrOf('n3'), [claim({ ...real, addr: attacker, meta: new Uint8Array([6, 6, 6]) }, 'dead')]);
  const redirected = c.sim.runUntil(
    () => others(c).some((n) => n.members().find((m) => m.id === victim)?.addr !== real.addr),
    { timeoutMs: 500, checkEveryMs: 1 },
  );
  t.false(redirected, `SEED=${seed}: every node still sends ${victim}'s traffic to ${real.addr}`);
  for (const n of others(c)) t.is(n.members().find((m) => m.id === victim)?.status, 'alive', n.id);
  t.true(rejected(others(c), 'member:claimMismatch') >= 6, 'both claims refused at every other node');
  c.sim.release(c.addrOf(victim));
  // A claim that repeats what the member signed is one SWIM allows; the victim refutes it.
  inject(c, c.addrOf('n3'), [claim(real, 'suspect')]);
  t.true(
    c.sim.runUntil(
      () => others(c).some((n) => n.members().find((m) => m.id === victim)?.status === 'suspect'),
      {
        timeoutMs: 1_000,
        checkEveryMs: 1,
      },
    ),
    'a fair claim is taken',
  );
  t.true(
    c.sim.runUntil(
      () => c.running().every((n) => n.members().find((m) => m.id === victim)?.status === 'alive'),
      { timeoutMs: 20_000 },
    ) && held(0).incarnation > real.incarnation,
    `SEED=${seed}: the victim refuted and is alive everywhere`,
  );
});
