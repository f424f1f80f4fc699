import test from 'ava';
import { dnsLabel } from '@trellis/tasks';
import { TaskZone } from '../src/task-zone.js';
import { config, task } from './helpers/fixtures.js';

const settings = config();

test('containerip, agentip and autoip of a task on an overlay', (t) => {
  const zone = TaskZone.build(
    [task('web', 'marathon', '10.0.0.1', { ipv4: '9.0.1.2', ipv6: 'FD01::2' })],
    settings,
  );
  t.deepEqual(zone.lookup('web.marathon.containerip'), { a: ['9.0.1.2'], aaaa: ['fd01::2'] });
  t.deepEqual(zone.lookup('web.marathon.autoip'), { a: ['9.0.1.2'], aaaa: ['fd01::2'] });
  t.deepEqual(zone.lookup('web.marathon.agentip'), { a: ['10.0.0.1'], aaaa: [] });
});

test('a host-network task: no container addresses, autoip falls back to the agent', (t) => {
  const zone = TaskZone.build([task('db', 'marathon', 'fd00::7')], settings);
  t.deepEqual(zone.lookup('db.marathon.containerip'), { a: [], aaaa: [] });
  t.deepEqual(zone.lookup('db.marathon.autoip'), { a: [], aaaa: ['fd00::7'] });
  t.deepEqual(zone.lookup('db.marathon.agentip'), { a: [], aaaa: ['fd00::7'] });
});

test('every network of a task contributes; several tasks under one name merge, without duplicates', (t) => {
  const twoNets = {
    ...task('api', 'marathon', '10.0.0.1'),
    networks: [
      { name: 'dcos', ipv4: '9.0.0.1' },
      { name: 'dcos6', ipv6: 'fd01::1' },
    ],
  };
  const zone = TaskZone.build(
    [
      twoNets,
      task('api', 'marathon', '10.0.0.2', { ipv4: '9.0.0.2' }),
      task('api', 'marathon', '10.0.0.2', { ipv4: '9.0.0.2' }), // same address twice
      task('api', 'marathon', '10.0.0.3'), // host network: autoip gets its agent
    ],
    settings,
  );
  t.deepEqual(zone.lookup('api.marathon.containerip'), { a: ['9.0.0.1', '9.0.0.2'], aaaa: ['fd01::1'] });
  t.deepEqual(zone.lookup('api.marathon.agentip'), { a: ['10.0.0.1', '10.0.0.2', '10.0.0.3'], aaaa: [] });
  t.deepEqual(zone.lookup('api.marathon.autoip'), {
    a: ['9.0.0.1', '9.0.0.2', '10.0.0.3'],
    aaaa: ['fd01::1'],
  });
});

test('names go through dnsLabel; tasks whose label is empty are skipped and counted', (t) => {
  const zone = TaskZone.build(
    [
      task('/Prod/Web.v2', 'Marathon_User', '10.0.0.1', { ipv4: '9.0.0.1' }),
      task('///', 'marathon', '10.0.0.2'),
      task('ok', '..', '10.0.0.3'),
    ],
    settings,
  );
  t.is(dnsLabel('/Prod/Web.v2'), 'prod-web-v2');
  t.deepEqual(zone.lookup('prod-web-v2.marathon-user.containerip')?.a, ['9.0.0.1']);
  t.is(zone.lookup('/prod/web.v2.marathon_user.containerip'), undefined);
  t.deepEqual(zone.skipped, { tasks: 2, addresses: 0 });
});

test('addresses that are not plain IPs are skipped and counted, the rest of the task stays', (t) => {
  const zone = TaskZone.build(
    [
      task('a', 'f', 'not-an-ip', { ipv4: '9.0.0.300', ipv6: 'fe80::1%eth0' }),
      task('b', 'f', '10.0.0.2', { ipv4: '1.2.3.04' }),
    ],
    settings,
  );
  t.deepEqual(zone.skipped, { tasks: 0, addresses: 4 });
  t.deepEqual(zone.lookup('a.f.agentip'), { a: [], aaaa: [] });
  // b has no valid container address, so autoip falls back to its agent.
  t.deepEqual(zone.lookup('b.f.autoip'), { a: ['10.0.0.2'], aaaa: [] });
});

test('empty non-terminals exist; unrelated names do not', (t) => {
  const zone = TaskZone.build([task('web', 'marathon', '10.0.0.1', { ipv4: '9.0.0.1' })], settings);
  for (const name of ['', 'containerip', 'autoip', 'agentip', 'marathon.containerip', 'marathon.agentip'])
    t.deepEqual(zone.lookup(name), { a: [], aaaa: [] }, name);
  for (const name of [
    'web',
    'marathon',
    'other.containerip',
    'web.other.containerip',
    'x.web.marathon.containerip',
  ])
    t.is(zone.lookup(name), undefined, name);
});

test('the NS name has the configured addresses when it lies in the zone', (t) => {
  const withNs = TaskZone.empty(config({ nsAddresses: ['198.51.100.1', 'fd00::53'] }));
  t.deepEqual(withNs.lookup('ns'), { a: ['198.51.100.1'], aaaa: ['fd00::53'] });
  t.deepEqual(TaskZone.empty(settings).lookup('ns'), { a: [], aaaa: [] });
  const outside = TaskZone.empty(config({ nsName: 'ns1.example.org', nsAddresses: ['198.51.100.1'] }));
  t.is(outside.lookup('ns'), undefined);
  t.is(outside.nameCount, 1);
});

test('10,000 tasks build into three names each plus the shared non-terminals', (t) => {
  const entries = Array.from({ length: 10_000 }, (_, i) =>
    task(`t${i}`, `fw${i % 10}`, `10.0.${i >> 8}.${i & 255}`, { ipv4: `9.0.${i >> 8}.${i & 255}` }),
  );
  const zone = TaskZone.build(entries, settings, 7);
  // apex, ns, 3 forms, 3 x 10 framework non-terminals, 3 names per task.
  t.is(zone.nameCount, 1 + 1 + 3 + 30 + 30_000);
  t.is(zone.serial, 7);
  t.deepEqual(zone.lookup('t9999.fw9.autoip')?.a, ['9.0.39.15']);
});
