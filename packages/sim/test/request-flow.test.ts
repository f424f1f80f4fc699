import test from 'ava';
import { InvalidArgumentError, InvalidStateError } from '@trellis/runtime';
import { Simulation, latency } from '../src/index.js';
import { cluster } from './fixtures.js';

const constant = { seed: 1, network: { latency: latency.constant(2) } };

function codes(): { list: (string | undefined)[]; onReply: (e: { code: string } | undefined) => void } {
  const list: (string | undefined)[] = [];
  return { list, onReply: (e) => list.push(e === undefined ? 'ok' : e.code) };
}

test('request and reply each take one link latency, plus size / bandwidth', (t) => {
  const { sim, hosts, addrs } = cluster(
    { ...constant, network: { ...constant.network, streamBandwidthBytesPerMs: 1_000 } },
    2,
  );
  const t0 = sim.now;
  let doneAt = 0;
  hosts[0]!.request(addrs[1]!, new Uint8Array(3_000), 1_000, () => (doneAt = sim.now));
  sim.run(100);
  t.is(doneAt - t0, 2 + 3 + 2 + 3); // echo: the reply is as big as the request
});

test('a partitioned request times out; a crashed responder refuses (REFUSED)', (t) => {
  const { sim, hosts, addrs } = cluster(constant, 3);
  const r = codes();
  sim.partition([addrs[0]!], [addrs[1]!]);
  hosts[0]!.request(addrs[1]!, new Uint8Array(1), 50, r.onReply);
  sim.crash(addrs[2]!);
  hosts[0]!.request(addrs[2]!, new Uint8Array(1), 50, r.onReply);
  sim.run(100);
  t.deepEqual(r.list, ['ERR_TRELLIS_REFUSED', 'ERR_TRELLIS_TIMEOUT']);
});

test('a responder that crashes or closes before replying resets the caller (UNREACHABLE)', (t) => {
  const sim = new Simulation(constant);
  const a = sim.addHost('a:1');
  for (const addr of ['b:1', 'c:1']) sim.addHost(addr).listen({ onDatagram: () => {}, onRequest: () => {} });
  const r = codes();
  a.request('b:1', new Uint8Array(1), 1_000, r.onReply);
  a.request('c:1', new Uint8Array(1), 1_000, r.onReply);
  sim.run(5);
  sim.crash('b:1');
  sim.host('c:1')!.close();
  sim.run(10);
  t.deepEqual(r.list, ['ERR_TRELLIS_UNREACHABLE', 'ERR_TRELLIS_UNREACHABLE']);
});

test('held requests wait and complete after release', (t) => {
  const { sim, hosts, addrs } = cluster(constant, 2);
  const r = codes();
  sim.hold(addrs[1]!);
  hosts[0]!.request(addrs[1]!, new Uint8Array(1), 1_000, r.onReply);
  sim.run(200);
  t.deepEqual(r.list, []);
  sim.release(addrs[1]!);
  sim.run(10);
  t.deepEqual(r.list, ['ok']);
});

test('a crashed requester gets no callback at all', (t) => {
  const { sim, hosts, addrs } = cluster(constant, 2);
  const r = codes();
  hosts[0]!.request(addrs[1]!, new Uint8Array(1), 1_000, r.onReply);
  sim.crash(addrs[0]!);
  sim.run(2_000);
  t.deepEqual(r.list, []);
  t.true(sim.trace.entries().some((e) => e.kind === 'requestAbandoned'));
});

test('local misuse throws: reply twice, bad timeout, oversized request', (t) => {
  const sim = new Simulation(constant);
  const a = sim.addHost('a:1');
  const b = sim.addHost('b:1');
  let second: (() => void) | undefined;
  b.listen({
    onDatagram: () => {},
    onRequest: (_f, p, reply) => {
      reply(p);
      second = () => reply(p);
    },
  });
  a.request('b:1', new Uint8Array(1), 100, () => {});
  sim.run(10);
  t.throws(() => second?.(), { instanceOf: InvalidStateError });
  t.throws(() => a.request('b:1', new Uint8Array(1), 0, () => {}), { instanceOf: InvalidArgumentError });
  const e = t.throws(() => a.request('b:1', new Uint8Array(a.streamSizeMax + 1), 100, () => {}));
  t.is((e as { code?: string }).code, 'ERR_TRELLIS_OVERSIZED');
});
