import { SimCluster } from '@trellis/node/sim';

// Five real nodes (NodeCore + Driver) on one virtual clock; one seed replays the run exactly.
const c = new SimCluster({ seed: 7, profile: 'lan' });
c.add(0);
for (let i = 1; i < 5; i++) c.add(i, [SimCluster.addr(0)]);
c.sim.runUntil(() => c.allSeeAlive(c.ids()));
console.log('alive everywhere:', c.ids());
c.crash(3);
c.sim.runUntil(() => c.allSeeDead('n3'), { timeoutMs: 60_000 });
console.log('n3 dead everywhere after', c.sim.now - c.sim.config.epochMs, 'virtual ms');
