import test from 'ava';
import { SimCluster } from './helpers/sim-cluster.js';

/**
 * A node whose event loop stalls for 5 s: its timers stop and its traffic queues, then both
 * resume at once (timers first, as Node.js runs them). Settings: LAN, except the Lifeguard
 * paper's operating point, α = 2 (suspicionMult) and K = 4 confirmations, where plain SWIM's
 * fixed suspicion timeout (4 s at 100 nodes) is shorter than the stall.
 */
function stallRun(seed: number, lifeguard: boolean): number {
  const c = new SimCluster({
    seed,
    nodes: 100,
    swim: { lifeguard, suspicionMult: 2, suspicionConfirmations: 4 },
  });
  c.sim.runUntil(() => c.allSeeAlive(c.ids()), { timeoutMs: 5000 });
  c.sim.run(3000);
  const start = c.sim.now;
  const x = c.node(50);
  x.pause();
  c.sim.hold(c.addrOf('n50'));
  c.sim.run(5000);
  x.resume();
  c.sim.release(c.addrOf('n50'));
  c.sim.run(30_000);
  // It always ends alive everywhere: a death is refuted by the higher incarnation.
  if (!c.allSeeAlive(c.ids())) throw new Error(`SEED=${seed}: cluster did not heal`);
  return c.events.filter((e) => e.at >= start && e.event.type === 'memberDied').length;
}

test('a node stalled for 5 s is declared dead far less often with Lifeguard than without', (t) => {
  const seeds = [1, 2, 3, 4, 5, 6];
  const on = seeds.map((s) => stallRun(s, true));
  const off = seeds.map((s) => stallRun(s, false));
  t.log(`death declarations per seed, Lifeguard on:  ${on.join(', ')}`);
  t.log(`death declarations per seed, Lifeguard off: ${off.join(', ')}`);
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const runsWithDeath = (xs: number[]) => xs.filter((n) => n > 0).length;
  // Lifeguard does not make a stalled node immortal at α = 2 (confirmations from independent
  // probers still shrink its suspicion to 4 s), but it is declared dead far less often.
  t.true(sum(on) * 3 <= sum(off), `on ${sum(on)} vs off ${sum(off)}`);
  t.true(
    runsWithDeath(on) <= runsWithDeath(off),
    `runs with a death: on ${runsWithDeath(on)}, off ${runsWithDeath(off)}`,
  );
});

test('with LAN defaults a 5 s stall is survived with Lifeguard on', (t) => {
  const c = new SimCluster({ seed: 7, nodes: 100 });
  c.sim.runUntil(() => c.allSeeAlive(c.ids()), { timeoutMs: 5000 });
  c.sim.run(3000);
  const start = c.sim.now;
  c.node(50).pause();
  c.sim.hold(c.addrOf('n50'));
  c.sim.run(5000);
  c.node(50).resume();
  c.sim.release(c.addrOf('n50'));
  c.sim.run(30_000);
  t.is(c.events.filter((e) => e.at >= start && e.event.type === 'memberDied').length, 0);
  // The stalled node noticed its own late timers and raised its local health score instead of
  // accusing the peers whose acks were waiting in its queue.
  t.true(c.node(50).stats().swim.lateTimers > 0);
  const accusedByStalled = c.events.filter(
    (e) => e.at >= start && e.node === 'n50' && e.event.type === 'memberSuspected' && e.event.by === 'n50',
  );
  t.is(accusedByStalled.length, 0);
});
