import test from 'ava';
import { seedFromEnv } from '@trellis/sim';
import { suspicionMinMs, swimProfiles } from '@trellis/swim';
import { SimCluster } from './helpers/sim-cluster.js';

const epoch = 1_700_000_000_000;

test('100 nodes converge after join within 5 virtual seconds', (t) => {
  const seed = seedFromEnv(100);
  t.log(`SEED=${seed}`);
  const c = new SimCluster({ seed, nodes: 100 });
  t.true(c.sim.runUntil(() => c.allSeeAlive(c.ids()), { timeoutMs: 5000, checkEveryMs: 50 }));
  t.log(`converged at ${c.sim.now - epoch} ms`);
});

test('a crashed node is marked dead by every member within the bound the config implies', (t) => {
  const seed = seedFromEnv(101);
  t.log(`SEED=${seed}`);
  const c = new SimCluster({ seed, nodes: 100 });
  t.true(c.sim.runUntil(() => c.allSeeAlive(c.ids()), { timeoutMs: 5000 }));
  c.sim.run(5000);
  const crashedAt = c.sim.now;
  c.crash(42);
  const cfg = swimProfiles.lan;
  const min = suspicionMinMs(cfg.suspicionMult, 100, cfg.probeIntervalMs);
  // Someone probes it within a couple of periods; the suspicion lasts at most max; then gossip.
  const boundMs = 2 * cfg.probeIntervalMs + cfg.suspicionMaxTimeoutMult * min + 5000;
  t.true(
    c.sim.runUntil(() => c.allSeeDead('n42'), { timeoutMs: boundMs, checkEveryMs: 50 }),
    `bound ${boundMs}`,
  );
  const first = c.firstEvent((e) => e.event.type === 'memberDied' && e.at >= crashedAt);
  t.log(
    `first death at +${(first?.at ?? 0) - crashedAt} ms, all at +${c.sim.now - crashedAt} ms, bound ${boundMs}`,
  );
  // Nobody else was hurt.
  t.is(
    c.events.filter(
      (e) => e.event.type === 'memberDied' && 'member' in e.event && e.event.member.id !== 'n42',
    ).length,
    0,
  );
});

test('no false deaths in 10 virtual minutes at 100 nodes with 10 % loss', (t) => {
  const seed = seedFromEnv(102);
  t.log(`SEED=${seed}`);
  const c = new SimCluster({ seed, nodes: 100 });
  t.true(c.sim.runUntil(() => c.allSeeAlive(c.ids()), { timeoutMs: 5000 }));
  c.sim.setLossRate(0.1);
  c.sim.run(600_000);
  const deaths = c.events.filter((e) => e.event.type === 'memberDied');
  const suspicions = c.events.filter((e) => e.event.type === 'memberSuspected');
  t.log(`suspicions raised ${suspicions.length}, deaths ${deaths.length}`);
  t.is(deaths.length, 0);
  t.true(c.allSeeAlive(c.ids()));
});

test('a restarted node supersedes its own tombstone everywhere', (t) => {
  const seed = seedFromEnv(103);
  t.log(`SEED=${seed}`);
  const c = new SimCluster({ seed, nodes: 20 });
  t.true(c.sim.runUntil(() => c.allSeeAlive(c.ids()), { timeoutMs: 5000 }));
  c.crash(7);
  t.true(c.sim.runUntil(() => c.allSeeDead('n7'), { timeoutMs: 60_000 }));
  const deadInc = c.node(0).member('n7')!.incarnation;
  c.restart(7);
  t.true(c.sim.runUntil(() => c.allSeeAlive(c.ids()), { timeoutMs: 10_000 }));
  for (const n of c.running()) {
    const r = n.member('n7')!;
    t.is(r.status, 'alive');
    t.true(r.incarnation > deadInc);
  }
});
