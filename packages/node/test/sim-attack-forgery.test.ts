import test, { type ExecutionContext } from 'ava';
import { seedFromEnv } from '@trellis/sim';
import { taskKey, type TaskWire } from '@trellis/tasks';
import type { RouteWire } from '@trellis/routes';
import type { SimCluster } from './helpers/sim-cluster.js';
import { type GossipNode } from './helpers/sim-cluster.js';
import { SimAttacker } from './helpers/sim-attacker.js';
import { underlayOf } from './helpers/routes-fixtures.js';
import { cluster, others, victim } from './helpers/signed-cluster.js';

/**
 * Issue 12, "saturated versions make a forgery permanent": one datagram carrying another
 * agent's record at generation and version 2^53 - 1 used to win everywhere for good (the owner's
 * next version is no safe integer). In a plaintext cluster an outsider and an insider send the
 * same bytes; both are tried. The owner's own record must stand everywhere.
 */

const max = Number.MAX_SAFE_INTEGER;
const hourMs = 3_600_000;

type Sender = 'outsider' | 'insider';
const attacker = (c: SimCluster, who: Sender) =>
  who === 'outsider' ? SimAttacker.outsider(c) : SimAttacker.insider(c, 'n3');

const routeOf = (n: GossipNode) => n.stores.routes.table('ov').find((e) => e.owner === victim);
const taskOf = (n: GossipNode) => n.stores.tasks.list().find((e) => e.agent === victim);

/** After the forgery, every other node routes the victim's slice to the victim's own underlay. */
function ownerRouteStands(c: SimCluster): boolean {
  const own = c.node(victim).stores.routes.local('ov')?.route;
  return (
    own !== undefined &&
    others(c).every((n) => routeOf(n)?.underlayIp === own.underlayIp && routeOf(n)?.slice === own.slice)
  );
}

const forgedRoute = (c: SimCluster, g: (r: RouteWire) => number, v: number): RouteWire => {
  const r = c.node(0).stores.routes.record('ov', victim)!;
  return { ...r, g: g(r), v, u: '6.6.6.6' };
};

const routeCases: [string, (c: SimCluster) => RouteWire][] = [
  ['generation and version at 2^53 - 1', (c) => forgedRoute(c, () => max, max)],
  ['the owner\u2019s generation, version 2^53 - 1', (c) => forgedRoute(c, (r) => r.g, max)],
  // Accepted (within the skew, at the ceiling): the owner must still get above it.
  [
    'generation 59 min ahead, version at the ceiling 2^52',
    (c) => forgedRoute(c, () => c.sim.now + hourMs - 60_000, 2 ** 52),
  ],
];

for (const who of ['outsider', 'insider'] as const)
  for (const [what, forge] of routeCases)
    test(`a forged route record (${what}) from an ${who}: the owner\u2019s route stands everywhere`, (t) => {
      const c = cluster(seedFromEnv(1200));
      t.log(`SEED=${c.sim.seed}`);
      attacker(c, who).datagram(c.addrOf('n1'), [forge(c)]);
      const sentAt = c.sim.now;
      c.sim.run(200);
      const fooled = () => others(c).filter((n) => routeOf(n)?.underlayIp === '6.6.6.6').length;
      t.log(`routing the victim to 6.6.6.6 after 200 ms: ${fooled()} of 4`);
      const stood = c.sim.runUntil(() => ownerRouteStands(c), { timeoutMs: 30_000, checkEveryMs: 50 });
      t.log(`after ${c.sim.now - sentAt} ms: ${fooled()} of 4 route the victim to 6.6.6.6`);
      t.true(stood, 'every other agent routes the victim to its own underlay');
      c.sim.run(10_000);
      t.true(ownerRouteStands(c), 'and still does 10 s later');
      t.is(routeOf(c.node('n1'))?.underlayIp, underlayOf(victim));
    });

function forgedTask(c: SimCluster, g: (r: TaskWire) => number, v: number): TaskWire {
  const r = c.node(0).stores.tasks.store.table.get(taskKey(victim, 'web'))!;
  return { ...r, g: g(r), v, a: '6.6.6.6' };
}

const taskCases: [string, (c: SimCluster) => TaskWire][] = [
  ['generation and version at 2^53 - 1', (c) => forgedTask(c, () => max, max)],
  ['the owner\u2019s generation, version 2^53 - 1', (c) => forgedTask(c, (r) => r.g, max)],
  [
    'generation 59 min ahead, version at the ceiling 2^52',
    (c) => forgedTask(c, () => c.sim.now + hourMs - 60_000, 2 ** 52),
  ],
];

for (const who of ['outsider', 'insider'] as const)
  for (const [what, forge] of taskCases)
    test(`a forged task record (${what}) from an ${who}: the owner\u2019s task stands everywhere`, (t) => {
      const c = cluster(seedFromEnv(1201));
      t.log(`SEED=${c.sim.seed}`);
      attacker(c, who).datagram(c.addrOf('n1'), [forge(c)]);
      const sentAt = c.sim.now;
      const stands = () => others(c).every((n) => taskOf(n)?.agentIp === underlayOf(victim));
      c.sim.run(200);
      t.log(
        `answering 6.6.6.6 after 200 ms: ${others(c).filter((n) => taskOf(n)?.agentIp === '6.6.6.6').length} of 4`,
      );
      t.true(
        c.sim.runUntil(stands, { timeoutMs: 30_000, checkEveryMs: 50 }),
        'the owner\u2019s task everywhere',
      );
      t.log(`the owner\u2019s task everywhere after ${c.sim.now - sentAt} ms`);
      c.sim.run(10_000);
      t.true(stands(), 'and still 10 s later');
    });

/** The victim is alive everywhere, and its route and task are in every view. */
function victimStands(c: SimCluster): boolean {
  return (
    others(c).every((n) => n.member(victim)?.status === 'alive' && taskOf(n) !== undefined) &&
    ownerRouteStands(c)
  );
}

function memberForgery(t: ExecutionContext, who: Sender, incarnation: (c: SimCluster) => number): void {
  const c = cluster(seedFromEnv(1202));
  t.log(`SEED=${c.sim.seed}`);
  const self = c.node(victim).member(victim)!;
  attacker(c, who).member(c.addrOf('n1'), { ...self, incarnation: incarnation(c), status: 'left' });
  const sentAt = c.sim.now;
  c.sim.run(500);
  t.log(
    `holding the victim as left after 500 ms: ${others(c).filter((n) => n.member(victim)?.status === 'left').length} of 4`,
  );
  t.true(c.sim.runUntil(() => victimStands(c), { timeoutMs: 60_000, checkEveryMs: 50 }));
  t.log(`alive with its route and task everywhere after ${c.sim.now - sentAt} ms`);
  c.sim.run(10_000);
  t.true(victimStands(c), 'and still 10 s later');
}

for (const who of ['outsider', 'insider'] as const) {
  test(`a forged "left" member record at incarnation 2^53 - 1 from an ${who}: the member stands everywhere`, (t) =>
    memberForgery(t, who, () => max));
  test(`a forged "left" member record 59 min ahead from an ${who}: the member refutes it everywhere`, (t) =>
    memberForgery(t, who, (c) => c.sim.now + hourMs - 60_000));
}
