import test from 'ava';
import { latency } from '../src/index.js';
import { cluster } from './fixtures.js';

test('setLinkLatency changes delivery times exactly (constant latency), symmetric by default', (t) => {
  const { sim, inbox, hosts, addrs } = cluster({ seed: 1, network: { latency: latency.constant(1) } }, 3);
  const [a, b, c] = addrs as [string, string, string];
  sim.setLinkLatency(a, b, latency.constant(25));
  sim.setLinkLatency(a, c, latency.constant(7), { symmetric: false });
  const t0 = sim.now;
  hosts[0]!.sendDatagram(b, Uint8Array.of(1));
  hosts[1]!.sendDatagram(a, Uint8Array.of(2));
  hosts[0]!.sendDatagram(c, Uint8Array.of(3));
  hosts[2]!.sendDatagram(a, Uint8Array.of(4));
  sim.run(100);
  t.deepEqual(
    inbox.get(b)!.map((m) => m.atMs - t0),
    [25],
  );
  t.deepEqual(
    inbox.get(a)!.map((m) => [m.payload[0], m.atMs - t0]),
    [
      [4, 1],
      [2, 25],
    ],
  );
  t.deepEqual(
    inbox.get(c)!.map((m) => m.atMs - t0),
    [7],
  );
});

test('setLossRate 1 drops everything; 0.3 drops about 30 %', (t) => {
  const { sim, inbox, hosts, addrs } = cluster({ seed: 4 }, 2);
  sim.setLossRate(1);
  for (let i = 0; i < 100; i++) hosts[0]!.sendDatagram(addrs[1]!, Uint8Array.of(i));
  sim.run(10);
  t.is(inbox.get(addrs[1]!)!.length, 0);
  sim.setLossRate(0.3);
  const n = 10_000;
  for (let i = 0; i < n; i++) hosts[0]!.sendDatagram(addrs[1]!, Uint8Array.of(i));
  sim.run(10);
  const lost = 1 - inbox.get(addrs[1]!)!.length / n;
  t.true(lost > 0.27 && lost < 0.33, `lost ${lost}`);
  t.is(sim.stats().datagramsDropped, 100 + Math.round(lost * n));
});

test('per-host and per-link loss rates apply only where set', (t) => {
  const { sim, inbox, hosts, addrs } = cluster({ seed: 4 }, 3);
  const [a, b, c] = addrs as [string, string, string];
  sim.setLossRate(1, a, b);
  hosts[0]!.sendDatagram(b, Uint8Array.of(1));
  hosts[0]!.sendDatagram(c, Uint8Array.of(1));
  sim.run(10);
  t.is(inbox.get(b)!.length, 0);
  t.is(inbox.get(c)!.length, 1);
  sim.setLossRate(1, c);
  hosts[1]!.sendDatagram(c, Uint8Array.of(1));
  sim.run(10);
  t.is(inbox.get(c)!.length, 1);
});

test('duplication delivers extra copies, each in its own buffer', (t) => {
  const { sim, inbox, hosts, addrs } = cluster({ seed: 8 }, 2);
  sim.setDuplicateRate(1);
  hosts[0]!.sendDatagram(addrs[1]!, Uint8Array.of(42));
  sim.run(20);
  const got = inbox.get(addrs[1]!)!;
  t.is(got.length, 2);
  t.not(got[0]!.payload.buffer, got[1]!.payload.buffer);
  sim.setDuplicateRate(0.5);
  for (let i = 0; i < 1_000; i++) hosts[0]!.sendDatagram(addrs[1]!, Uint8Array.of(i));
  sim.run(20);
  const extra = got.length - 2 - 1_000;
  t.true(extra > 430 && extra < 570, `extra ${extra}`);
});

test('reordering lets later datagrams overtake earlier ones', (t) => {
  const { sim, inbox, hosts, addrs } = cluster({ seed: 3, network: { latency: latency.constant(1) } }, 2);
  for (let i = 0; i < 50; i++) hosts[0]!.sendDatagram(addrs[1]!, Uint8Array.of(i));
  sim.run(50);
  const inOrder = inbox.get(addrs[1]!)!.map((m) => m.payload[0]);
  t.deepEqual(
    inOrder,
    Array.from({ length: 50 }, (_, i) => i),
  );
  sim.setReorderRate(0.5);
  for (let i = 0; i < 50; i++) hosts[0]!.sendDatagram(addrs[1]!, Uint8Array.of(i));
  sim.run(50);
  const reordered = inbox
    .get(addrs[1]!)!
    .slice(50)
    .map((m) => m.payload[0]!);
  t.is(reordered.length, 50);
  t.notDeepEqual(reordered, inOrder);
  t.deepEqual(
    reordered.slice().sort((x, y) => x - y),
    inOrder,
  );
});

test('a datagram to an address with no host is dropped silently', (t) => {
  const { sim, hosts } = cluster({ seed: 1 }, 1);
  t.notThrows(() => hosts[0]!.sendDatagram('192.0.2.1:1', Uint8Array.of(1)));
  sim.run(10);
  t.is(sim.stats().datagramsDropped, 1);
  t.is(sim.trace.entries().at(-1)?.kind, 'datagramDropped');
});
