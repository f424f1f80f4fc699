import test from 'ava';
import { Rng } from '@trellis/runtime';
import { BroadcastClassError, BroadcastQueue, Swim, wireSize, type SwimOptions } from '../src/index.js';

const q = (shares: Record<string, number> = { members: 1 }, queueMax = 100) =>
  new BroadcastQueue({ retransmitMult: 2, queueMax, shares });

test('fewest transmits first, newest first among equals', (t) => {
  const b = q();
  b.enqueue('members', 'a', { k: 'a' });
  b.enqueue('members', 'b', { k: 'b' });
  t.deepEqual(b.take(1400, 1, 9), [{ k: 'b' }, { k: 'a' }]);
  b.enqueue('members', 'c', { k: 'c' });
  // c has 0 transmits, a and b have 1.
  t.deepEqual(b.take(1400, 1, 9)[0], { k: 'c' });
});

test('each item is sent at most max(mult x ceil(log10(N + 1)), ceil(ln(1000 N))) times', (t) => {
  const b = q();
  b.enqueue('members', 'a', { k: 'a' });
  t.is(b.retransmitLimit(9), 10); // max(2 x ceil(log10 10), ceil(ln 9000))
  for (let i = 0; i < 10; i++) t.is(b.take(1400, 1, 9).length, 1);
  t.is(b.take(1400, 1, 9).length, 0);
  t.false(b.has('members', 'a'));
  t.is(b.retransmitLimit(100), 12); // ceil(ln 100000)
  // At large N memberlist's formula dominates: 4 x ceil(log10 10001) = 20.
  t.is(new BroadcastQueue({ retransmitMult: 4, queueMax: 1, shares: { m: 1 } }).retransmitLimit(10_000), 20);
});

test('newer news about the same key replaces older news', (t) => {
  const b = q();
  b.enqueue('members', 'a', { v: 1 });
  b.take(1400, 1, 9);
  b.enqueue('members', 'a', { v: 2 });
  t.is(b.size, 1);
  t.deepEqual(b.take(1400, 1, 9), [{ v: 2 }]);
  t.is(b.stats().replaced, 1);
});

test('take respects the byte budget and skips what does not fit', (t) => {
  const b = q();
  const big = { d: 'x'.repeat(300) };
  const small = { d: 'y' };
  b.enqueue('members', 'big', big);
  b.enqueue('members', 'small', small);
  const budget = wireSize(big) + 1 - 1; // one byte short for big with its overhead
  t.deepEqual(b.take(budget, 1, 9), [small]);
});

test('membership news cannot starve another class: each gets its share', (t) => {
  const b = q({ members: 0.5, routes: 0.5 }, 10_000);
  for (let i = 0; i < 200; i++) b.enqueue('members', `m${i}`, { id: `member-${i}`, pad: 'x'.repeat(40) });
  for (let i = 0; i < 5; i++) b.enqueue('routes', `r${i}`, { route: i, pad: 'y'.repeat(40) });
  const msgs = b.take(1400, 1, 1000) as { route?: number }[];
  const routes = msgs.filter((m) => m.route !== undefined).length;
  t.is(routes, 5, 'all pending route news fit in its half');
  t.true(msgs.length > 5);
  // When only one class has news, it may use the whole packet.
  const only = q({ members: 0.5, routes: 0.5 }, 10_000);
  for (let i = 0; i < 200; i++) only.enqueue('members', `m${i}`, { id: `member-${i}`, pad: 'x'.repeat(40) });
  const used = only.take(1400, 1, 1000).reduce<number>((n, m) => n + wireSize(m) + 1, 0);
  t.true(used > 1200, `used ${used}`);
});

test('at the bound the most-transmitted news is dropped first', (t) => {
  const b = q({ members: 1 }, 2);
  b.enqueue('members', 'old', { k: 'old' });
  b.take(1400, 1, 1000); // old: 1 transmit
  b.enqueue('members', 'n1', { k: 'n1' });
  b.enqueue('members', 'n2', { k: 'n2' });
  t.is(b.size, 2);
  t.false(b.has('members', 'old'));
  t.is(b.stats().droppedAtBound, 1);
});

test('wireSize never underestimates msgpack for the shapes we send', (t) => {
  t.is(wireSize({ t: 'ack', seq: 5, src: 'n1' }), 1 + 2 + 4 + 4 + 1 + 4 + 3);
  t.is(wireSize(new Uint8Array(10)), 12);
  t.is(wireSize('é'), 1 + 3);
  t.is(wireSize(70000), 5);
  t.is(wireSize(2 ** 40), 9);
});

test('keys are scoped per class: the same key in two classes is two independent items', (t) => {
  const b = q({ members: 0.5, routes: 0.5 });
  b.enqueue('members', 'x', { c: 'members', v: 1 });
  b.enqueue('routes', 'x', { c: 'routes', v: 1 });
  t.is(b.size, 2);
  t.true(b.has('members', 'x') && b.has('routes', 'x'));
  t.false(b.has('tasks', 'x'));
  t.is(b.sizeOf('members'), 1);
  t.is(b.sizeOf('routes'), 1);
  t.is(b.stats().replaced, 0);
  // Within a class, newer news still replaces older.
  b.enqueue('routes', 'x', { c: 'routes', v: 2 });
  t.is(b.size, 2);
  t.is(b.stats().replaced, 1);
  const sent = b.take(1400, 1, 9);
  t.is(sent.length, 2);
  t.true(sent.some((m) => JSON.stringify(m) === JSON.stringify({ c: 'members', v: 1 })));
  t.true(sent.some((m) => JSON.stringify(m) === JSON.stringify({ c: 'routes', v: 2 })));
});

test('a class added at run time gets its share of every packet, as one given at construction', (t) => {
  const fill = (b: BroadcastQueue): number => {
    for (let i = 0; i < 200; i++) b.enqueue('members', `m${i}`, { id: `member-${i}`, pad: 'x'.repeat(40) });
    for (let i = 0; i < 200; i++) b.enqueue('kv', `k${i}`, { kv: i, pad: 'y'.repeat(40) });
    return (b.take(1400, 1, 1000) as { kv?: number }[]).filter((m) => m.kv !== undefined).length;
  };
  const late = q({ members: 0.25 }, 10_000);
  late.addClass('kv', 0.75);
  const early = q({ members: 0.25, kv: 0.75 }, 10_000);
  const kvLate = fill(late);
  t.is(kvLate, fill(early));
  t.true(kvLate > 15, `kv news in a packet: ${kvLate}`);
});

test('addClass refuses an existing class and a share outside (0, 1]; news needs a known class', (t) => {
  const b = q({ members: 0.5 });
  const exists = t.throws(() => b.addClass('members', 0.5), { instanceOf: BroadcastClassError });
  t.is(exists?.code, 'BROADCAST_CLASS');
  t.is(exists?.name, 'BroadcastClassError');
  t.is(exists?.cls, 'members');
  for (const share of [0, -0.1, 1.01, Number.NaN, Infinity, '0.5' as unknown as number]) {
    t.throws(
      () => b.addClass(`c${String(share)}`, share),
      { instanceOf: BroadcastClassError },
      String(share),
    );
  }
  t.notThrows(() => b.addClass('routes', 1));
  t.throws(() => b.enqueue('tasks', 'x', { v: 1 }), { instanceOf: BroadcastClassError });
  t.throws(() => q({ members: 0 }), { instanceOf: BroadcastClassError }, 'the constructor checks shares too');
  t.is(b.size, 0);
});

/** The bytes of each class in the packet a Swim core sends with 200 pieces of news in each. */
function packetShares(swim: Swim): { members: number; kv: number } {
  for (let i = 0; i < 200; i++) {
    // Each member speaks for itself from its own address: news of it is relayed (unconfirmed
    // members' news is not).
    swim.handleMessage(0, `m${i}:1`, {
      t: 'm',
      id: `m${i}`,
      a: `m${i}:1`,
      i: 1,
      s: 0,
      md: new Uint8Array(0),
    });
    swim.broadcast('kv', `k${i}`, { t: 'kv', k: `k${i}`, pad: 'z'.repeat(16) });
  }
  swim.sendTo('b:1', { t: 'hello' });
  const out = { members: 0, kv: 0 };
  for (let t = swim.pollTransmit(); t !== undefined; t = swim.pollTransmit()) {
    if (t.kind !== 'datagram' || t.to !== 'b:1') continue;
    for (const m of t.msgs as { t: string }[]) {
      if (m.t === 'm') out.members += wireSize(m);
      if (m.t === 'kv') out.kv += wireSize(m);
    }
  }
  return out;
}

test('Swim.addBroadcastClass: a class added while running shares packets as one given at construction', (t) => {
  const base: SwimOptions = { id: 'a', addr: 'a:1', now: 0, rng: Rng.fromSeed(1) };
  const late = new Swim(base);
  late.addBroadcastClass('kv', 0.5);
  const early = new Swim({ ...base, broadcastClasses: { kv: 0.5 } });
  const shares = packetShares(late);
  t.deepEqual(shares, packetShares(early));
  // membershipShare (0.5 on LAN) against kv's 0.5: an even split, not membership's 2/3.
  const kvFraction = shares.kv / (shares.kv + shares.members);
  t.true(kvFraction > 0.45 && kvFraction < 0.55, `kv fraction ${kvFraction.toFixed(2)}`);
  t.throws(() => late.addBroadcastClass('kv', 0.5), { instanceOf: BroadcastClassError });
  t.throws(() => late.addBroadcastClass('members', 0.5), { instanceOf: BroadcastClassError });
  t.throws(() => late.addBroadcastClass('big', 2), { instanceOf: BroadcastClassError });
  t.throws(() => late.broadcast('nope', 'k', { t: 'x' }), { instanceOf: BroadcastClassError });
  t.throws(() => new Swim({ ...base, broadcastClasses: { members: 0.5 } }), {
    instanceOf: BroadcastClassError,
  });
});

test('news too large for any packet is not queued (it would wait forever); it is counted', (t) => {
  const b = new BroadcastQueue({ retransmitMult: 2, queueMax: 100, shares: { kv: 1 }, itemBytesMax: 1000 });
  b.enqueue('kv', 'x', { v: 'small' });
  b.enqueue('kv', 'x', { v: 'y'.repeat(2000) });
  t.is(b.size, 0, 'the older news about x is stale, the newer cannot be sent');
  t.like(b.stats(), { tooLarge: 1, replaced: 1 });
  const swim = new Swim({
    id: 'a',
    addr: 'a:1',
    now: 0,
    rng: Rng.fromSeed(1),
    broadcastClasses: { kv: 0.5 },
  });
  swim.broadcast('kv', 'big', { t: 'kv', v: 'y'.repeat(1400) });
  t.like(swim.queueStats(), { pending: 0, tooLarge: 1 });
});
