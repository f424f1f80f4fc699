import test from 'ava';
import { InvalidArgumentError, type Instant } from '@trellis/runtime';
import { SliceExhaustedError } from '../src/routes-errors.js';
import { harness, remote, log, dcos, settleMs } from './helpers/route-harness.js';

test('publish claims a slice (sliceClaimed), settles after settleMs (sliceSettled)', (t) => {
  log(t);
  const h = harness();
  const claimed = h.store.publish(0, 'dcos', { underlayIp: '10.0.0.1' });
  t.is(claimed.state, 'claimed');
  const route = claimed.route!;
  t.is(route.owner, 'self');
  t.is(route.underlayIp, '10.0.0.1');
  t.true(route.slice >= 0 && route.slice < dcos.claimableSlices);
  t.is(route.vtepIp, dcos.vtepIp(route.slice));
  t.is(route.agentSubnet, dcos.slice(route.slice).agentSubnet);
  t.deepEqual(h.events(), [{ type: 'sliceClaimed', overlay: 'dcos', slice: route.slice }]);
  const own = h.broadcasts.at(-1)!;
  t.is(own.key, 'dcos/self');
  t.like(own.msg, { o: 'dcos', w: 'self', g: 1_000, st: 0, s: route.slice, c: 0 });
  t.is(h.store.stats().claims, 1);

  h.advance(settleMs - 1);
  t.is(h.store.local('dcos')?.state, 'claimed');
  t.deepEqual(h.events(), []);
  h.advance(settleMs);
  const settled = h.store.local('dcos')!;
  t.is(settled.state, 'settled');
  t.is(settled.route?.slice, route.slice);
  t.true(settled.route!.version > route.version);
  const events = h.events();
  t.is(events.length, 1);
  t.like(events[0], { type: 'sliceSettled', overlay: 'dcos', route: { slice: route.slice, owner: 'self' } });
  t.like(h.broadcasts.at(-1)!.msg, { st: 1, s: route.slice });
  // Our own route is not part of our converged table.
  t.deepEqual(h.store.routes('dcos'), []);
});

test('settling waits for one completed anti-entropy exchange after the settle period', (t) => {
  let done: ((at: Instant, ok: boolean) => void) | undefined;
  const h = harness({
    sync: (_now, cb) => {
      done = cb;
      return true;
    },
  });
  h.store.publish(0, 'dcos', { underlayIp: '10.0.0.1' });
  h.advance(settleMs + 1000);
  t.is(h.store.local('dcos')?.state, 'claimed', 'no exchange completed yet');
  t.not(done, undefined);
  done!(h.now, true);
  h.advance(h.now + 100);
  t.is(h.store.local('dcos')?.state, 'settled');
});

test('local: pending while joining, claimed once released, undefined for an unpublished overlay', (t) => {
  const h = harness();
  t.is(h.store.local('dcos'), undefined);
  h.hold();
  t.deepEqual(h.store.publish(0, 'tiny', { underlayIp: '10.0.0.1' }), {
    overlay: 'tiny',
    state: 'pending',
    route: undefined,
  });
  h.advance(10_000);
  t.is(h.store.local('tiny')?.state, 'pending');
  t.deepEqual(h.events(), []);
  h.release();
  h.advance(h.now + 100);
  t.is(h.store.local('tiny')?.state, 'claimed');
  t.is(h.events()[0]?.type, 'sliceClaimed');
});

test('publish on an unknown overlay is an InvalidArgumentError; so is routes()', (t) => {
  const h = harness();
  const e = t.throws(() => h.store.publish(0, 'nope', { underlayIp: '10.0.0.1' }), {
    instanceOf: InvalidArgumentError,
  });
  t.regex(e?.message ?? '', /unknown overlay "nope"; configured: dcos, tiny/);
  t.throws(() => h.store.routes('nope'), { instanceOf: InvalidArgumentError });
  t.is(h.store.local('nope'), undefined);
});

test('every claimable slice held: publish throws SliceExhaustedError, emits and counts it', (t) => {
  const h = harness();
  for (let s = 0; s < 4; s++) {
    h.member(`p${s}`, 'alive');
    h.receive(remote(`p${s}`, { s, st: s % 2 === 0 ? 1 : 0 }));
  }
  h.advance(200);
  h.events();
  const e = t.throws(() => h.store.publish(h.now, 'tiny', { underlayIp: '10.0.0.1' }), {
    instanceOf: SliceExhaustedError,
  });
  t.is(e?.overlay, 'tiny');
  t.is(e?.slices, 4);
  t.is(e?.code, 'ERR_TRELLIS_SLICES_EXHAUSTED');
  t.regex(e?.message ?? '', /overlay tiny: all 4 \/24 slices of 10\.9\.0\.0\/22 are held by live agents/);
  t.is(h.store.stats().exhausted, 1);
  t.deepEqual(h.events(), [{ type: 'slicesExhausted', overlay: 'tiny', message: e?.message }]);
  t.is(h.store.local('tiny'), undefined, 'a failed publish leaves nothing behind');
  // The other overlay is unaffected.
  t.is(h.store.publish(h.now, 'dcos', { underlayIp: '10.0.0.1' }).state, 'claimed');
});

test('exhausted while pending: local says exhausted, and the claim goes ahead when a slice frees up', (t) => {
  const h = harness();
  h.hold();
  h.store.publish(0, 'tiny', { underlayIp: '10.0.0.1' });
  for (let s = 0; s < 4; s++) {
    h.member(`p${s}`, 'alive');
    h.receive(remote(`p${s}`, { s }));
  }
  h.release();
  h.advance(200);
  t.is(h.store.local('tiny')?.state, 'exhausted');
  t.deepEqual(
    h
      .events()
      .filter((e) => e.type !== 'routesChanged')
      .map((e) => e.type),
    ['slicesExhausted'],
  );
  h.advance(5_000);
  t.deepEqual(h.events(), [], 'exhaustion is reported once, not on every recompute');
  t.is(h.store.stats().exhausted, 1);
  h.member('p2', 'left');
  h.advance(h.now + 100);
  t.is(h.store.local('tiny')?.state, 'claimed');
  t.is(h.store.local('tiny')?.route?.slice, 2);
  t.true(h.events().some((e) => e.type === 'sliceClaimed'));
});

test('an earlier remote claim on our slice wins: sliceLost, and we claim another slice', (t) => {
  const h = harness();
  h.advance(1_000);
  const mine = h.store.publish(h.now, 'tiny', { underlayIp: '10.0.0.1' }).route!;
  h.events();
  h.member('early', 'alive');
  h.receive(remote('early', { s: mine.slice, st: 0, c: 500 }));
  h.advance(h.now + 100);
  const events = h.events();
  t.like(events[0], { type: 'sliceLost', overlay: 'tiny', slice: mine.slice, to: 'early' });
  t.like(events[1], { type: 'sliceClaimed', overlay: 'tiny' });
  const now = h.store.local('tiny')!;
  t.is(now.state, 'claimed');
  t.not(now.route!.slice, mine.slice);
  t.is(now.route!.generation, mine.generation);
  t.true(now.route!.version > mine.version);
  t.is(h.store.stats().conflictsLost, 1);
  // A later claim on our new slice loses to ours and changes nothing here.
  h.member('late', 'alive');
  h.receive(remote('late', { s: now.route!.slice, st: 0, c: 5_000 }));
  h.advance(h.now + 100);
  t.false(h.events().some((e) => e.type === 'sliceLost'));
  t.is(h.store.local('tiny')?.route?.slice, now.route!.slice);
});

test('a settled claim keeps its slice against an earlier-stamped newcomer', (t) => {
  const h = harness();
  h.advance(1_000);
  const mine = h.store.publish(h.now, 'tiny', { underlayIp: '10.0.0.1' }).route!;
  h.advance(h.now + settleMs);
  t.is(h.store.local('tiny')?.state, 'settled');
  h.events();
  h.member('skewed', 'alive');
  h.receive(remote('skewed', { s: mine.slice, st: 0, c: 1 }));
  h.advance(h.now + 100);
  t.false(h.events().some((e) => e.type === 'sliceLost'));
  t.is(h.store.local('tiny')?.route?.slice, mine.slice);
});

test('a third node seeing two claims on one slice tells the loser directly', (t) => {
  const h = harness();
  h.member('a', 'alive');
  h.member('b', 'alive');
  h.receive(remote('a', { s: 1, st: 1, c: 10 }));
  h.advance(200);
  const winner = h.store.record('tiny', 'a')!;
  h.receive(remote('b', { s: 1, st: 0, c: 5 }));
  t.deepEqual(h.sent, [{ addr: 'b:7946', msg: winner }]);
});
