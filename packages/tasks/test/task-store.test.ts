import test from 'ava';
import { InvalidArgumentError } from '@trellis/runtime';
import { graceMs, harness, remote, web } from './helpers/task-harness.js';
import type { TasksChanged } from '../src/tasks-events.js';

test('publish puts our task in the view, gossips it, and withdraw takes it out with a tombstone', (t) => {
  const h = harness();
  const entry = h.store.publish(h.now, web);
  t.deepEqual(entry, {
    id: 'web.1',
    name: 'web',
    framework: 'marathon',
    agent: 'self',
    agentIp: '10.0.0.9',
    networks: [{ name: 'dcos', ipv4: '9.0.3.2' }],
  });
  t.is(h.broadcasts.length, 1);
  t.like(h.broadcasts[0]?.msg, { w: 'self', i: 'web.1', g: 1000, v: 0, st: 0 });
  h.advance(100);
  t.deepEqual(h.names(), ['self/web.1']);
  t.deepEqual(h.store.local(), [entry]);
  t.like(h.events[0], { type: 'tasksChanged', added: [entry], removed: [] });

  h.store.publish(h.now, { ...web, networks: [{ name: 'dcos', ipv4: '9.0.3.3' }] });
  t.like(h.broadcasts[1]?.msg, { v: 1 });
  h.advance(200);
  const changed = h.events.at(-1) as TasksChanged;
  t.is(changed.changed.length, 1);
  t.is(changed.changed[0]?.[1].networks[0]?.ipv4, '9.0.3.3');

  t.true(h.store.withdraw(h.now, 'web.1'));
  t.false(h.store.withdraw(h.now, 'web.1'), 'a second withdraw is a no-op');
  t.like(h.broadcasts.at(-1)?.msg, { v: 2, st: 1 });
  h.advance(300);
  t.deepEqual(h.names(), []);
  t.deepEqual(h.store.local(), []);
  t.like(h.events.at(-1), { type: 'tasksChanged', removed: [{ id: 'web.1' }] });
});

test('a task id with a control character is refused', (t) => {
  const h = harness();
  t.throws(() => h.store.publish(h.now, { ...web, id: 'web\u0000.1' }), {
    instanceOf: InvalidArgumentError,
    message: /id must not contain control characters/,
  });
  t.deepEqual(h.store.local(), []);
});

test('publish lists every problem with the input and publishes nothing', (t) => {
  const h = harness();
  const error = t.throws(
    () =>
      h.store.publish(h.now, {
        id: '',
        name: '!!!',
        framework: 'x'.repeat(256),
        agentIp: 'host.example',
        networks: [
          { name: 'dcos', ipv4: 'fd00::1' },
          { name: 'dcos', ipv6: '9.0.0.1' },
          { name: 'Bad Name' },
        ],
      }),
    { instanceOf: InvalidArgumentError },
  );
  for (const part of [
    'id must be',
    'name "!!!" has no letter',
    'framework must be',
    'agentIp must be',
    'networks[0].ipv4',
    'networks[1].name dcos is listed twice',
    'networks[1].ipv6',
    'networks[2].name',
  ])
    t.true(error.message.includes(part), part);
  t.is(h.broadcasts.length, 0);
  t.deepEqual(h.store.local(), []);
  t.throws(() => h.store.publish(h.now, { ...web, networks: 'dcos' as unknown as [] }), {
    instanceOf: InvalidArgumentError,
  });
});

test('addresses are stored in canonical form', (t) => {
  const h = harness();
  const e = h.store.publish(h.now, {
    ...web,
    agentIp: 'FD00:0:0::9',
    networks: [{ name: 'dcos6', ipv6: 'FD01:B:0:0::2' }],
  });
  t.is(e.agentIp, 'fd00::9');
  t.is(e.networks[0]?.ipv6, 'fd01:b::2');
});

test('an agent publishes at most localMax tasks', (t) => {
  const h = harness({ config: { localMax: 2 } });
  h.store.publish(h.now, { ...web, id: 'a' });
  h.store.publish(h.now, { ...web, id: 'b' });
  h.store.publish(h.now, { ...web, id: 'b', name: 'web2' }); // an update is not a new task
  t.throws(() => h.store.publish(h.now, { ...web, id: 'c' }), { message: /localMax/ });
});

test('peer records: live owners are visible; dead ones for the grace period; departed ones at once', (t) => {
  const h = harness();
  h.member('a', 'alive');
  h.member('b', 'alive');
  h.store.handleRecord(h.now, 'x:1', remote('a', 't1'));
  h.store.handleRecord(h.now, 'x:1', remote('b', 't1'));
  h.store.handleRecord(h.now, 'x:1', remote('c', 't1')); // an owner we do not know (yet)
  t.is(h.broadcasts.length, 3, 'applied news is passed on');
  h.advance(100);
  t.deepEqual(h.names(), ['a/t1', 'b/t1']);

  h.member('c', 'alive');
  h.member('a', 'suspect');
  h.advance(200);
  t.deepEqual(h.names(), ['a/t1', 'b/t1', 'c/t1'], 'suspects keep their tasks');

  h.member('a', 'dead');
  h.member('b', 'left');
  h.advance(300);
  t.deepEqual(h.names(), ['a/t1', 'c/t1'], 'departed: out at once; dead: still in');
  h.advance(200 + graceMs + 1);
  t.deepEqual(h.names(), ['c/t1'], 'dead: out after the grace period, without another input');
  h.member('a', 'alive');
  h.advance(h.now + 100);
  t.deepEqual(h.names(), ['a/t1', 'c/t1'], 'back when the agent is');
});

test('records join by (generation, version); stale and duplicate news change nothing', (t) => {
  const h = harness();
  h.member('a', 'alive');
  h.store.handleRecord(h.now, 'x:1', remote('a', 't1', { v: 3, n: 'new' }));
  h.store.handleRecord(h.now, 'x:1', remote('a', 't1', { v: 2, n: 'old' }));
  h.store.handleRecord(h.now, 'x:1', remote('a', 't1', { v: 3, n: 'new' }));
  t.is(h.broadcasts.length, 1);
  h.store.handleRecord(h.now, 'x:1', remote('a', 't1', { v: 4, st: 1 }));
  h.advance(100);
  t.deepEqual(h.names(), []);
  t.is(h.store.stats().applied, 2);
  t.is(h.store.stats().records, 1, 'the tombstone is kept');
  h.advance(1_800_000 + 60_000);
  t.is(h.store.stats().records, 0, 'and collected after its TTL');
});

test('bad records are dropped, counted by reason, and reported', (t) => {
  const h = harness({ config: { recordsMax: 1 } });
  h.store.handleRecord(h.now, 'x:1', { t: 'k', w: 'a' });
  h.store.handleRecord(h.now, 'x:1', remote('a', 't1', { a: 'nope' }));
  h.store.handleRecord(h.now, 'x:1', remote('a', 't1'));
  h.store.handleRecord(h.now, 'x:1', remote('a', 't2'));
  h.advance(100);
  t.deepEqual(h.store.stats().rejected, { invalidId: 1, invalidAddress: 1, tableFull: 1 });
  t.deepEqual(
    h.events.filter((e) => e.type === 'taskRejected').map((e) => e.type === 'taskRejected' && e.reason),
    ['invalidId', 'invalidAddress', 'tableFull'],
  );
});

test('news about our own task that would win is answered by re-asserting ours above it', (t) => {
  const h = harness();
  h.store.publish(h.now, web);
  const forged = { ...h.broadcasts[0]!.msg, v: 7, n: 'forged' };
  h.store.handleRecord(h.now, 'x:1', forged);
  t.like(h.broadcasts.at(-1)?.msg, { v: 8, n: 'web' });
  h.advance(100);
  t.is(h.store.list()[0]?.name, 'web');

  // A task we do not run under our name (not from a previous life): a tombstone above it.
  h.store.handleRecord(h.now, 'x:1', remote('self', 'ghost', { g: 2000, v: 4 }));
  t.like(h.broadcasts.at(-1)?.msg, { i: 'ghost', g: 2000, v: 5, st: 1 });
});

test('leave withdraws every task', (t) => {
  const h = harness();
  h.store.publish(h.now, { ...web, id: 'a' });
  h.store.publish(h.now, { ...web, id: 'b' });
  h.store.leave(h.now);
  t.deepEqual(
    h.broadcasts.slice(2).map((b) => [b.msg.i, b.msg.st]),
    [
      ['a', 1],
      ['b', 1],
    ],
  );
  t.deepEqual(h.store.local(), []);
});

test('a task published again after its tombstone was collected outranks that tombstone elsewhere', (t) => {
  const h = harness();
  h.store.publish(h.now, web);
  h.store.withdraw(h.now, 'web.1');
  const tombstone = h.broadcasts.at(-1)!.msg;
  h.advance(1_800_000 + 120_000); // collected here; a slower replica may still hold it
  t.is(h.store.stats().records, 0);
  h.store.publish(h.now, web);
  const again = h.broadcasts.at(-1)!.msg;
  t.is(again.g, tombstone.g);
  t.true(again.v > tombstone.v, `v ${again.v} > ${tombstone.v}`);
});

test('owner and task ids containing "/" never share a key', (t) => {
  const h = harness({ selfId: 'a' });
  h.member('a/b', 'alive');
  h.store.publish(h.now, { ...web, id: 'b/c' });
  h.store.handleRecord(h.now, 'x:1', remote('a/b', 'c', { g: 2000 }));
  h.advance(100);
  t.deepEqual(
    h.store.list().map((e) => [e.agent, e.id]),
    [
      ['a', 'b/c'],
      ['a/b', 'c'],
    ],
  );
});
