import test from 'ava';
import { InvalidArgumentError } from '@trellis/runtime';
import { CoreNet } from './helpers/core-net.js';
import { parseSwimMessage } from '../src/messages.js';

function trio(config = {}) {
  const net = new CoreNet();
  for (const id of ['a', 'b', 'c']) net.add(id, config);
  net.core('b').join(net.now, ['a:1']);
  net.core('c').join(net.now, ['a:1']);
  net.run(3000);
  return net;
}

test('join: a full-state exchange with the seed, then gossip tells everyone', (t) => {
  const net = trio();
  for (const id of ['a', 'b', 'c']) t.is(net.core(id).table.alive().length, 3, id);
  t.is(net.eventsOf('joined', 'b').length, 1);
});

test('ping/ack: healthy members are never suspected and awareness stays 0', (t) => {
  const net = trio();
  net.run(30_000);
  t.is(net.eventsOf('memberSuspected').length, 0);
  t.true(net.core('a').stats().probes >= 25);
  t.is(net.core('a').awarenessScore, 0);
});

test('a silent member: ping-req through the others, nacks, suspicion, then death', (t) => {
  const net = trio({ streamProbe: false });
  net.udpDown.add('c');
  net.streamDown.add('c');
  net.run(3000);
  const a = net.core('a').stats();
  t.true(a.pingReqsSent + net.core('b').stats().pingReqsSent > 0, 'ping-req sent');
  t.true(
    a.nacksReceived + net.core('b').stats().nacksReceived > 0,
    'the relay said it could not reach c either',
  );
  t.true(net.eventsOf('memberSuspected').length > 0);
  net.run(60_000);
  t.is(net.core('a').table.get('c')?.status, 'dead');
  t.is(net.core('b').table.get('c')?.status, 'dead');
});

test('a member reachable only over the stream is not suspected', (t) => {
  const net = trio();
  net.udpDown.add('c');
  net.run(20_000);
  t.true(net.core('a').stats().streamProbesAcked + net.core('b').stats().streamProbesAcked > 0);
  t.is(net.eventsOf('memberDied').length, 0);
  t.not(net.core('a').table.get('c')?.status, 'dead');
});

test('refutation: a suspected member raises its incarnation and tells its accuser directly', (t) => {
  const net = trio();
  const before = net.core('c').table.self().incarnation;
  // b hears (falsely) that c is suspect.
  const c = net.core('c').table.self();
  net.core('b').handleMessage(net.now, 'a:1', {
    t: 'm',
    id: 'c',
    a: c.addr,
    i: c.incarnation,
    s: 1,
    md: c.meta,
    by: 'a',
  });
  net.run(3000);
  t.is(net.eventsOf('selfRefuted', 'c').length, 1);
  t.is(net.core('c').table.self().incarnation, before + 1);
  t.true(net.core('c').stats().directRefutations > 0);
  for (const id of ['a', 'b']) t.is(net.core(id).table.get('c')?.status, 'alive');
  const raised = net.events.find((e) => e.node === 'c' && e.event.type === 'awarenessChanged');
  t.like(raised?.event, { type: 'awarenessChanged', score: 1 }, 'refuting raises our own awareness');
});

test('graceful leave: the others see `left`, never `dead`, and leaveCompleted fires', (t) => {
  const net = trio();
  net.core('b').leave(net.now);
  const probesAtLeave = net.core('b').stats().probes;
  net.run(10_000);
  t.is(net.eventsOf('leaveCompleted', 'b').length, 1);
  t.is(net.core('a').table.get('b')?.status, 'left');
  t.is(net.core('c').table.get('b')?.status, 'left');
  t.is(net.eventsOf('memberDied').length, 0);
  t.is(net.core('b').stats().probes, probesAtLeave, 'probing stopped');
});

test('join retries with exponential backoff while no seed answers (joinAttemptsMax 0: forever)', (t) => {
  const net = new CoreNet();
  const a = net.add('a', { joinAttemptsMax: 0 });
  a.join(net.now, ['nobody:1']);
  net.run(120_000);
  const fails = net.eventsOf('joinAttemptFailed', 'a') as { retryAt: number; attempt: number }[];
  t.true(fails.length >= 4);
  const gaps = fails.slice(1).map((f, i) => f.retryAt - fails[i]!.retryAt);
  t.true(gaps[2]! > gaps[0]!, `gaps ${gaps.join(',')}`);
  // A seed that comes up later is joined.
  net.add('nobody');
  net.run(60_000);
  t.is(net.eventsOf('joined', 'a').length, 1);
});

test('push-pull: agreeing replicas exchange only roots; a difference is found and repaired', (t) => {
  const net = trio({ pushPullIntervalMs: 1000, reconnectIntervalMs: 0 });
  const a = net.core('a');
  // In sync: an exchange costs the same few bytes whatever the table holds.
  const before = a.stats();
  net.run(1000);
  const after = a.stats();
  const perExchange =
    (after.pushPullBytesEstimated - before.pushPullBytesEstimated) / (after.pushPulls - before.pushPulls);
  t.true(perExchange < 60, `in-sync exchange ${perExchange} bytes`);
  const reply = net
    .core('b')
    .handleRequest(net.now, 'a:1', { t: 'pp', r: { members: a.table.digest().root() } });
  t.deepEqual(reply, { t: 'pp1', b: {} }, 'roots agree: nothing more to say');
  // Gossip is cut; b learns of x; only push-pull can carry it to a and c.
  net.udpDown.add('a').add('b').add('c');
  net
    .core('b')
    .handleMessage(net.now, 'x:1', { t: 'm', id: 'x', a: 'x:1', i: 1, s: 3, md: new Uint8Array(0) });
  net.run(10_000);
  t.is(a.table.get('x')?.status, 'left');
  t.is(net.core('c').table.get('x')?.status, 'left');
});

test('peer garbage never throws: it is dropped, counted and reported', (t) => {
  const net = trio();
  const a = net.core('a');
  const garbage: unknown[] = [
    null,
    42,
    'x',
    [],
    { t: 'ping' },
    { t: 'ack', seq: -1 },
    { t: 'm', id: 'q', a: 'q:1', i: 'x', s: 0, md: new Uint8Array(0) },
    { t: 'zzz' },
  ];
  for (const g of garbage) t.notThrows(() => a.handleMessage(net.now, 'evil:1', g));
  for (const g of garbage) t.notThrows(() => a.handleRequest(net.now, 'evil:1', g));
  const rejected = Object.values(a.stats().rejected).reduce((x, y) => x + y, 0);
  t.is(rejected, garbage.length * 2);
  net.run(5000);
  t.is(a.table.alive().length, 3);
});

test('news goes out promptly, not at the next regular round; an idle node gossips nothing', (t) => {
  const delays = (prompt: number): number[] => {
    const net = trio({ gossipPromptMs: prompt, gossipIntervalMs: 200, pushPullIntervalMs: 3_600_000 });
    net.run(5000);
    const idle = net.core('a').stats().gossipPackets;
    net.run(5000);
    t.is(net.core('a').stats().gossipPackets, idle, 'no news: no gossip packets');
    // Twenty pieces of news from c at odd moments: how long until b has each?
    const out: number[] = [];
    for (let k = 1; k <= 20; k++) {
      net.run(337);
      const sent = net.now;
      net.core('c').updateMeta(net.now, Uint8Array.of(k));
      for (let ms = 0; ms < 1000 && net.core('b').table.get('c')?.meta[0] !== k; ms++) net.run(1);
      out.push(net.now - sent);
    }
    return out;
  };
  const prompt = delays(30);
  const regular = delays(200); // prompt = interval: off
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  t.log(
    `news reached b after ${mean(prompt).toFixed(0)} ms on average (max ${Math.max(...prompt)}) with 30 ms prompt rounds, ${mean(regular).toFixed(0)} ms (max ${Math.max(...regular)}) without`,
  );
  t.true(Math.max(...prompt) <= 35, 'every piece within the prompt delay');
  t.true(mean(regular) > 3 * mean(prompt), 'regular rounds alone are much slower');
});

test('pings carry no sender address; one from an older sender that still has it is accepted', (t) => {
  const ping = { t: 'ping', seq: 9, id: 'a', src: 'b' };
  t.deepEqual(parseSwimMessage(ping, 512), { ok: true, msg: ping });
  t.deepEqual(parseSwimMessage({ ...ping, sa: '10.0.0.2:7946' }, 512), { ok: true, msg: ping });
  t.like(parseSwimMessage({ ...ping, src: 7 }, 512), { ok: false, reason: 'malformedPing' });
});

test('a prompt round pulled into the past is not mistaken for a late timer', (t) => {
  // The prompt timer can land up to gossipIntervalMs - gossipPromptMs in the past, here far
  // beyond the late-timer threshold: our event loop is not slow, and awareness must not rise.
  const net = trio({ gossipIntervalMs: 2000, gossipPromptMs: 10, lateTimerThresholdMs: 100 });
  for (let k = 1; k <= 10; k++) {
    net.run(1234);
    net.core('c').updateMeta(net.now, Uint8Array.of(k));
  }
  net.run(3000);
  for (const id of ['a', 'b', 'c']) {
    t.is(net.core(id).stats().lateTimers, 0, id);
    t.is(net.core(id).awarenessScore, 0, id);
  }
  t.is(net.core('a').table.get('c')?.meta[0], 10);
});

test('updateMeta refuses what is not a Uint8Array within metaSizeMax, and changes nothing', (t) => {
  const net = trio();
  const c = net.core('c');
  const before = c.table.self();
  const pending = c.queueStats().pending;
  for (const meta of [new Uint8Array(513), undefined, null, 'abc', [1, 2]]) {
    const e = t.throws(() => c.updateMeta(net.now, meta as Uint8Array), { instanceOf: InvalidArgumentError });
    t.is(e?.code, 'ERR_TRELLIS_INVALID_ARGUMENT');
  }
  t.is(c.table.self(), before);
  t.is(c.queueStats().pending, pending);
  // At the bound it is accepted and gossiped under a new incarnation.
  c.updateMeta(net.now, new Uint8Array(512).fill(7));
  t.is(c.table.self().incarnation, before.incarnation + 1);
  net.run(2000);
  t.is(net.core('a').table.get('c')?.meta.length, 512);
});

test('news nobody can take does not wake the core every prompt interval', (t) => {
  // A cluster of one with news waiting (a store's first record): no one to gossip to yet.
  const lone = new CoreNet().add('a', { pushPullIntervalMs: 0, reconnectIntervalMs: 0 });
  lone.addBroadcastClass('kv', 0.5);
  lone.broadcast('kv', 'x', { t: 'kv', v: 1 });
  let wakeups = 0;
  const start = lone.pollTimeout()!;
  for (let at = start; at < start + 10_000; at = lone.pollTimeout()!) {
    lone.handleTimeout(at);
    wakeups++;
  }
  // Regular rounds (every 200 ms) and probe ticks, not a round every 30 ms.
  t.log(`${wakeups} wake-ups in 10 s`);
  t.true(wakeups <= 70, `${wakeups} wake-ups in 10 s`);
  t.is(lone.queueStats().pending, 1, 'the news waits for a member to tell');
});
