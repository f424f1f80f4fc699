import test from 'ava';
import { plan } from '../src/planner/plan.js';
import { Reconciler, retryDelayMs } from '../src/reconciler.js';
import { deferred, emptyKernel as empty, memoryExecutor, peer } from './fixtures/memory-executor.js';
import { VirtualScheduler } from './fixtures/virtual-scheduler.js';

const day = 86_400_000;

/** A reconciler whose passes are timed in virtual time: `passAt` holds when each one started. */
function timed(ex: ReturnType<typeof memoryExecutor>, intervalMs = day) {
  const clock = new VirtualScheduler();
  const passAt: number[] = [];
  const r = new Reconciler({
    executor: ex,
    plan,
    intervalMs,
    scheduler: clock,
    desired: () => {
      passAt.push(clock.now());
      return { state: peer(2), warm: true };
    },
  });
  const advance = (ms: number) => clock.advance(ms, () => r.idle());
  const gaps = () => passAt.slice(1).map((at, i) => at - passAt[i]!);
  return { r, clock, advance, passAt, gaps };
}

test('the retry delay starts at 500 ms and doubles up to 30 s', (t) => {
  t.deepEqual(
    [1, 2, 3, 4, 5, 6, 7, 8, 50, 5000].map(retryDelayMs),
    [500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000, 30_000],
  );
});

test('failed passes are retried after 500 ms, doubling to 30 s; a good pass resets the backoff', async (t) => {
  const ex = memoryExecutor(empty);
  ex.fail = true;
  const { r, advance, gaps, passAt } = timed(ex);
  r.start();
  await advance(50 + 500 + 1000 + 2000 + 4000 + 8000 + 16_000 + 30_000 + 30_000 + 9 * 50);
  // Each retry is a trigger, so it is coalesced like any other (50 ms).
  t.deepEqual(gaps(), [550, 1050, 2050, 4050, 8050, 16_050, 30_050, 30_050]);
  t.is(r.stats.errors, 9);
  t.is(r.stats.consecutiveFailures, 9);
  t.is(r.stats.lastError, '1 kernel operations failed');
  t.is(r.stats.lastSuccessAt, 0);

  ex.fail = false;
  await advance(30_050);
  t.is(r.stats.consecutiveFailures, 0, 'the next retry succeeded');
  t.deepEqual(ex.state.routes, peer(2).routes);
  const good = passAt.length;
  await advance(day / 2); // well before the periodic pass
  t.is(passAt.length, good, 'no retry pending after a good pass');

  ex.failNext = true;
  r.trigger('routes changed');
  await advance(50 + 550);
  t.deepEqual(gaps().slice(-1), [550], 'after a good pass the first retry is 500 ms again');
  t.is(r.stats.consecutiveFailures, 0);
  await r.stop();
});

test('stop() cancels the coalescing, periodic, watch and retry timers: nothing runs after it', async (t) => {
  const ex = memoryExecutor(empty);
  ex.fail = true;
  const { r, clock, advance, passAt } = timed(ex, 30_000);
  r.start();
  await advance(60);
  t.is(passAt.length, 1);
  r.trigger('routes changed');
  t.is(clock.pending, 4, 'periodic, watch, retry and the coalesced trigger are armed');
  await r.stop();
  t.is(clock.pending, 0, 'every timer cancelled');
  ex.needsResync = true;
  r.trigger('after stop');
  r.start();
  await advance(10 * day);
  t.is(passAt.length, 1, 'no pass after stop');
  t.is(clock.pending, 0);
});

test('stop() waits for the pass in flight, and a failure in it schedules no retry', async (t) => {
  const ex = memoryExecutor(empty);
  ex.fail = true;
  const { r, clock, advance, passAt } = timed(ex);
  const gate = deferred();
  ex.gate = gate.promise;
  r.start();
  await clock.advance(50); // the start pass is now held inside observe
  let stopped = false;
  const stopping = r.stop().then(() => (stopped = true));
  await clock.advance(0);
  t.false(stopped, 'stop waits for the pass');
  gate.resolve();
  await stopping;
  t.is(r.stats.errors, 1, 'the pass finished (and failed)');
  t.is(clock.pending, 0, 'its retry was not scheduled');
  await advance(day);
  t.is(passAt.length, 1);
});
