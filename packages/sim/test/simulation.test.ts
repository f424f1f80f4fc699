import test from 'ava';
import { InvalidArgumentError } from '@trellis/runtime';
import { EventsMaxError, Simulation, latency } from '../src/index.js';
import { cluster, gossipRun } from './fixtures.js';

const faulty = { latency: latency.uniform(0.2, 5), lossRate: 0.1, duplicateRate: 0.05, reorderRate: 0.1 };

test('the same seed yields a byte-identical trace; another seed a different one', (t) => {
  const a = gossipRun({ seed: 1, network: faulty, traceMax: 50_000 }, 2_000);
  const b = gossipRun({ seed: 1, network: faulty, traceMax: 50_000 }, 2_000);
  const c = gossipRun({ seed: 2, network: faulty, traceMax: 50_000 }, 2_000);
  t.true(a.trace.count > 2_000);
  t.is(a.trace.hash, b.trace.hash);
  t.deepEqual(a.trace.entries(), b.trace.entries());
  t.deepEqual(a.stats(), b.stats());
  t.not(a.trace.hash, c.trace.hash);
});

test('the clock starts at the epoch and run leaves it exactly at now + duration', (t) => {
  const sim = new Simulation({ seed: 1 });
  t.is(sim.now, 1_700_000_000_000);
  sim.run(123.5);
  t.is(sim.now, 1_700_000_000_123.5);
});

test('step runs one event at a time in (time, sequence) order', (t) => {
  const sim = new Simulation({ seed: 1 });
  const h = sim.addHost('a:1');
  const order: string[] = [];
  const t0 = sim.now;
  h.schedule(t0 + 10, () => order.push('x@10'));
  h.schedule(t0 + 5, () => order.push('y@5'));
  h.schedule(t0 + 10, () => order.push('z@10'));
  h.schedule(t0 - 100, () => order.push('past@0')); // the past runs now
  while (sim.step());
  t.deepEqual(order, ['past@0', 'y@5', 'x@10', 'z@10']);
  t.is(sim.now, t0 + 10);
  t.false(sim.step());
});

test('runUntil stops as soon as the predicate holds, or reports a timeout', (t) => {
  const sim = new Simulation({ seed: 1 });
  const h = sim.addHost('a:1');
  let fired = false;
  h.schedule(sim.now + 35, () => (fired = true));
  const t0 = sim.now;
  t.true(sim.runUntil(() => fired, { checkEveryMs: 10, timeoutMs: 1_000 }));
  t.is(sim.now - t0, 40);
  t.false(sim.runUntil(() => false, { timeoutMs: 100 }));
  t.is(sim.now - t0, 140);
});

test('eventsMax stops an event storm with a clear error carrying the seed', (t) => {
  const sim = new Simulation({ seed: 99, eventsMax: 1_000 });
  const h = sim.addHost('a:1');
  const storm = (): void => void h.schedule(h.now(), storm);
  h.schedule(h.now(), storm);
  const e = t.throws(() => sim.run(10), { instanceOf: EventsMaxError });
  t.is(e.code, 'ERR_TRELLIS_EVENTS_MAX');
  t.regex(e.message, /eventsMax \(1000\).*SEED=99/);
});

test('addHost refuses a duplicate address; verbs refuse an unknown one', (t) => {
  const sim = new Simulation({ seed: 1 });
  sim.addHost('a:1');
  t.throws(() => sim.addHost('a:1'), { instanceOf: InvalidArgumentError });
  t.throws(() => sim.crash('nope:1'), { instanceOf: InvalidArgumentError });
  t.throws(() => sim.setLossRate(1.5), { instanceOf: InvalidArgumentError });
  t.deepEqual(sim.addresses(), ['a:1']);
});

test('partition blocks both ways; repair heals', (t) => {
  const { sim, inbox, hosts, addrs } = cluster({ seed: 1 }, 3);
  const [a, b, c] = addrs as [string, string, string];
  sim.partition([a], [b, c]);
  hosts[0]!.sendDatagram(b, new Uint8Array(1));
  hosts[1]!.sendDatagram(a, new Uint8Array(1));
  hosts[1]!.sendDatagram(c, new Uint8Array(1));
  sim.run(10);
  t.is(inbox.get(a)!.length, 0);
  t.is(inbox.get(b)!.length, 0);
  t.is(inbox.get(c)!.length, 1);
  sim.repair();
  hosts[0]!.sendDatagram(b, new Uint8Array(1));
  sim.run(10);
  t.is(inbox.get(b)!.length, 1);
});

test('a one-way partition drops a -> b and lets b -> a through', (t) => {
  const { sim, inbox, hosts, addrs } = cluster({ seed: 1 }, 2);
  const [a, b] = addrs as [string, string];
  sim.partition([a], [b], { oneWay: true });
  hosts[0]!.sendDatagram(b, new Uint8Array(1));
  hosts[1]!.sendDatagram(a, new Uint8Array(1));
  sim.run(10);
  t.is(inbox.get(b)!.length, 0);
  t.is(inbox.get(a)!.length, 1);
  t.true(sim.isBlocked(a, b));
  t.false(sim.isBlocked(b, a));
});

test('a partition raised while a datagram is in flight drops it on arrival', (t) => {
  const { sim, inbox, hosts, addrs } = cluster({ seed: 1, network: { latency: latency.constant(10) } }, 2);
  hosts[0]!.sendDatagram(addrs[1]!, new Uint8Array(1));
  sim.run(5);
  sim.partition([addrs[0]!], [addrs[1]!]);
  sim.run(10);
  t.is(inbox.get(addrs[1]!)!.length, 0);
});

test('hold queues traffic to and from a host; release delivers it in order at the release time', (t) => {
  const { sim, inbox, hosts, addrs } = cluster({ seed: 1, network: { latency: latency.constant(1) } }, 2);
  const [a, b] = addrs as [string, string];
  sim.hold(b);
  for (let i = 0; i < 5; i++) hosts[0]!.sendDatagram(b, Uint8Array.of(i));
  hosts[1]!.sendDatagram(a, Uint8Array.of(9));
  sim.run(100);
  t.is(inbox.get(b)!.length, 0);
  t.is(inbox.get(a)!.length, 0);
  const releasedAt = sim.now;
  sim.release(b);
  sim.run(1);
  t.deepEqual(
    inbox.get(b)!.map((m) => m.payload[0]),
    [0, 1, 2, 3, 4],
  );
  t.true(inbox.get(b)!.every((m) => m.atMs === releasedAt));
  t.is(inbox.get(a)!.length, 1);
});

test('crash stops timers and traffic; restart calls onStart with a fresh host', (t) => {
  const sim = new Simulation({ seed: 1, network: { latency: latency.constant(1) } });
  const starts: string[] = [];
  const got: number[] = [];
  let ticks = 0;
  sim.addHost('b:1', {
    onStart: (h) => {
      starts.push(h.localAddress);
      h.listen({ onDatagram: (_f, p) => got.push(p[0]!), onRequest: () => {} });
      h.schedule(h.now() + 10, () => ticks++);
    },
  });
  const a = sim.addHost('a:1');
  const first = sim.host('b:1')!;
  sim.crash('b:1');
  t.is(sim.host('b:1'), undefined);
  t.false(first.running);
  a.sendDatagram('b:1', Uint8Array.of(1));
  sim.run(50);
  t.is(ticks, 0);
  t.deepEqual(got, []);
  const second = sim.restart('b:1');
  t.not(second, first);
  t.is(sim.host('b:1'), second);
  t.deepEqual(starts, ['b:1', 'b:1']);
  a.sendDatagram('b:1', Uint8Array.of(2));
  sim.run(50);
  t.is(ticks, 1);
  t.deepEqual(got, [2]);
});
