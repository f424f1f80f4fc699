import test from 'ava';
import { parseOverlays } from '@trellis/routes';
import { SimCluster } from './helpers/sim-cluster.js';
import { publisher } from './helpers/routes-fixtures.js';

test('container addresses come from the two halves of our settled slice; exhaustion is an error, an event and a counter', (t) => {
  // /29 slices: each /30 half holds its bridge gateway and one container.
  const overlays = parseOverlays([
    { name: 'small', subnet: '10.50.0.0/24', prefixLength: 29, vtepSubnet: '44.130.0.0/24' },
  ]);
  const c = new SimCluster({ seed: 800, nodes: 3, overlays, onStart: publisher('small') });
  const n = c.node(1);
  t.throws(() => n.stores.routes.allocateContainerIp('small', 'mesos', 'task-a'), {
    code: 'ERR_TRELLIS_INVALID_STATE',
  });
  t.true(c.sim.runUntil(() => n.stores.routes.local('small')?.state === 'settled', { timeoutMs: 20_000 }));
  const route = n.stores.routes.local('small')!.route!;
  const mesos = n.stores.routes.allocateContainerIp('small', 'mesos', 'task-a');
  const docker = n.stores.routes.allocateContainerIp('small', 'docker', 'task-b');
  t.is(n.stores.routes.allocateContainerIp('small', 'mesos', 'task-a'), mesos, 'idempotent per owner');
  const base = route.agentSubnet!.split('/')[0]!.split('.').map(Number);
  t.is(mesos, `${base[0]}.${base[1]}.${base[2]}.${base[3]! + 2}`, 'after the m-small gateway');
  t.is(docker, `${base[0]}.${base[1]}.${base[2]}.${base[3]! + 6}`, 'after the d-small gateway');
  const seen: string[] = [];
  n.stores.routes.on('addressesExhausted', (e) => seen.push(e.message));
  t.throws(() => n.stores.routes.allocateContainerIp('small', 'mesos', 'task-c'), {
    code: 'ERR_TRELLIS_ADDRESSES_EXHAUSTED',
  });
  t.is(seen.length, 1);
  t.regex(seen[0]!, new RegExp(route.mesosSubnet!.replace(/\./g, '\\.')));
  t.is(n.stores.routes.stats().addressesExhausted, 1);
  t.true(n.stores.routes.releaseContainerIp('small', 'mesos', 'task-a'));
  t.is(
    n.stores.routes.allocateContainerIp('small', 'mesos', 'task-c'),
    mesos,
    'a released address is reused',
  );
});
