import test from 'ava';
import {
  InvariantViolation,
  Simulation,
  noDeliveryAcrossPartition,
  requestsAnsweredOnce,
  timeMonotonic,
  type Invariant,
} from '../src/index.js';

test('the generic checkers stay quiet on a healthy run with faults and partitions', (t) => {
  const sim = new Simulation({ seed: 12, network: { lossRate: 0.1, duplicateRate: 0.1, reorderRate: 0.1 } });
  sim.addInvariant(noDeliveryAcrossPartition());
  sim.addInvariant(timeMonotonic());
  sim.addInvariant(requestsAnsweredOnce({ outstandingMaxMs: 1_000 }));
  const addrs = ['a:1', 'b:1', 'c:1'];
  for (const addr of addrs) {
    sim.addHost(addr, {
      onStart: (h) => {
        h.listen({ onDatagram: () => {}, onRequest: (_f, p, reply) => reply(p) });
        const tick = (): void => {
          h.sendDatagram(h.rng.pick(addrs), new Uint8Array(10));
          h.request(h.rng.pick(addrs), new Uint8Array(10), 100, () => {});
          h.schedule(h.now() + 7, tick);
        };
        tick();
      },
    });
  }
  t.notThrows(() => {
    sim.run(500);
    sim.partition(['a:1'], ['b:1', 'c:1']);
    sim.hold('c:1');
    sim.run(500);
    sim.release('c:1');
    sim.crash('b:1');
    sim.run(500);
    sim.repair();
    sim.restart('b:1');
    sim.run(500);
  });
});

test('a violation throws InvariantViolation naming the checker, the time and SEED', (t) => {
  const sim = new Simulation({ seed: 77, invariantCheckEveryMs: 50 });
  let checks = 0;
  const failsOnThird: Invariant = {
    name: 'fails on the third check',
    check: () => (++checks === 3 ? 'it is the third check' : undefined),
  };
  sim.addInvariant(failsOnThird);
  const t0 = sim.now;
  const e = t.throws(() => sim.run(1_000), { instanceOf: InvariantViolation });
  t.is(e.code, 'ERR_TRELLIS_INVARIANT');
  t.is(e.atMs, t0 + 150);
  t.regex(e.message, /"fails on the third check".*it is the third check.*SEED=77/);
});

test('observe sees every trace record as it happens', (t) => {
  const sim = new Simulation({ seed: 1 });
  const seen: string[] = [];
  sim.addInvariant({ name: 'spy', observe: (e) => void seen.push(e.kind) });
  const a = sim.addHost('a:1');
  sim.addHost('b:1').listen({ onDatagram: () => {}, onRequest: () => {} });
  a.sendDatagram('b:1', new Uint8Array(3));
  sim.run(10);
  t.deepEqual(seen, ['hostStarted', 'hostStarted', 'datagramDelivered']);
});

test('requestsAnsweredOnce reports a request left open too long', (t) => {
  const inv = requestsAnsweredOnce({ outstandingMaxMs: 100 });
  const ctx = { now: 0, seed: 1, isBlocked: () => false, runningAddresses: () => [] };
  const entry = { atMs: 0, kind: 'requestSent', from: 'a', to: 'b', bytes: 1, ref: 1 } as const;
  t.is(inv.observe?.(entry, ctx), undefined);
  t.is(inv.check?.({ ...ctx, now: 50 }), undefined);
  t.regex(inv.check?.({ ...ctx, now: 500 }) ?? '', /request 1 .* unanswered/);
  t.is(inv.observe?.({ ...entry, kind: 'replyDelivered' }, ctx), undefined);
  t.regex(inv.observe?.({ ...entry, kind: 'requestTimedOut' }, ctx) ?? '', /completed twice/);
});

test('noDeliveryAcrossPartition flags a delivery between blocked hosts', (t) => {
  const inv = noDeliveryAcrossPartition();
  const ctx = { now: 0, seed: 1, isBlocked: (f: string) => f === 'a', runningAddresses: () => [] };
  const entry = { atMs: 0, kind: 'datagramDelivered', from: 'a', to: 'b', bytes: 1, ref: 0 } as const;
  t.regex(inv.observe?.(entry, ctx) ?? '', /while partitioned/);
  t.is(inv.observe?.({ ...entry, from: 'b' }, ctx), undefined);
  t.is(timeMonotonic().observe?.(entry, ctx), undefined);
});
