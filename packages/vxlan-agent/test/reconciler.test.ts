import test from 'ava';
import { plan } from '../src/planner/plan.js';
import { Reconciler, type ReconcilerOptions } from '../src/reconciler.js';
import { deferred, emptyKernel as empty, memoryExecutor, peer } from './fixtures/memory-executor.js';
import { VirtualScheduler } from './fixtures/virtual-scheduler.js';

function reconciler(
  ex: ReturnType<typeof memoryExecutor>,
  desired: ReconcilerOptions['desired'],
  more: Partial<ReconcilerOptions> = {},
) {
  const clock = new VirtualScheduler();
  const r = new Reconciler({ executor: ex, plan, intervalMs: 60_000, desired, scheduler: clock, ...more });
  // Each timer's pass completes before virtual time moves on.
  const advance = (ms: number) => clock.advance(ms, () => r.idle());
  return { r, clock, advance };
}

test('a pass applies only the difference; an unchanged resync applies nothing', async (t) => {
  const ex = memoryExecutor(empty);
  const { r } = reconciler(ex, () => ({ state: peer(2), warm: true }));
  await r.runOnce();
  t.is(ex.applied.length, 4); // vtep, neighbor, fdb, route
  await r.runOnce();
  t.is(ex.applied.length, 4, 'resync of an unchanged table: zero operations');
  t.is(r.stats.lastOps, 0);
  t.is(r.stats.objectsOwned, 4);
  await r.stop();
});

test('while not warm, deletions are held back (a restart never flushes wanted entries)', async (t) => {
  const ex = memoryExecutor(peer(2));
  let warm = false;
  const { r } = reconciler(ex, () => ({ state: empty, warm }));
  await r.runOnce();
  t.deepEqual(ex.state, peer(2), 'nothing deleted from a cold view');
  t.is(r.stats.deletesHeldBack, 4);
  warm = true;
  await r.runOnce();
  t.deepEqual(ex.state, empty);
  await r.stop();
});

test('triggers within the coalescing window make one pass, at the end of the window', async (t) => {
  const ex = memoryExecutor(empty);
  const { r, clock, advance } = reconciler(ex, () => ({ state: peer(3), warm: true }), { coalesceMs: 10 });
  const t0 = clock.now();
  r.trigger('a');
  await advance(4);
  r.trigger('b');
  r.trigger('c');
  await advance(5);
  t.is(r.stats.passes, 0, 'nothing before the window ends');
  await advance(1);
  t.is(r.stats.passes, 1, 'three triggers, one pass');
  t.is(r.stats.lastPassAt, t0 + 10, 'the pass ran at the first trigger + coalesceMs, in scheduler time');
  t.deepEqual(ex.state.routes, peer(3).routes);
  await advance(60_000);
  t.is(r.stats.passes, 1, 'not started: no periodic pass');
  await r.stop();
});

test('after start, a pass at once and then one every intervalMs', async (t) => {
  const ex = memoryExecutor(empty);
  const passAt: number[] = [];
  const { r, clock, advance } = reconciler(ex, () => {
    passAt.push(clock.now());
    return { state: peer(2), warm: true };
  });
  const t0 = clock.now();
  r.start();
  r.start(); // a second call arms nothing more
  await advance(3 * 60_000 + 100);
  t.deepEqual(
    passAt.map((at) => at - t0),
    [50, 60_050, 120_050, 180_050],
    'start (coalesced 50 ms), then each period',
  );
  t.is(r.stats.lastSuccessAt, t0 + 180_050);
  t.is(ex.applied.length, 4, 'the periodic resyncs of an unchanged table changed nothing');
  await r.stop();
});

test('lost kernel messages between passes (needsResync) bring a full resync within a second', async (t) => {
  const ex = memoryExecutor(peer(2));
  const { r, clock, advance } = reconciler(ex, () => ({ state: peer(2), warm: true }));
  r.start();
  await advance(200);
  t.is(r.stats.passes, 1);
  ex.needsResync = true; // e.g. ENOBUFS on the socket
  const flaggedAt = clock.now();
  await advance(1000 + 50);
  t.is(r.stats.passes, 2, 'a pass ran without any table change or timer');
  t.true(r.stats.lastPassAt - flaggedAt <= 1050, `${r.stats.lastPassAt - flaggedAt} ms after the flag`);
  t.false(ex.needsResync, 'the full pass cleared the flag');
  t.is(ex.cleared, 2);
  await advance(10_000);
  t.is(r.stats.passes, 2, 'no more passes once the flag is clear');
  await r.stop();
});

test('a trigger during a pass brings exactly one more pass after it, never two at once', async (t) => {
  const ex = memoryExecutor(empty);
  let state = peer(2);
  const { r, clock } = reconciler(ex, () => ({ state, warm: true }));
  const gate = deferred();
  ex.gate = gate.promise;
  const first = r.runOnce();
  await clock.advance(0);
  state = peer(3);
  r.trigger('changed');
  r.trigger('changed again');
  await clock.advance(1000); // the coalescing timer is not armed while the pass runs
  t.is(r.stats.passes, 0, 'the first pass is still held');
  t.is(clock.pending, 0);
  gate.resolve();
  await first;
  t.is(clock.pending, 1, 'one follow-up pass scheduled');
  await clock.advance(50, () => r.idle());
  t.is(r.stats.passes, 2);
  t.is(ex.inFlightMax, 1, 'never two passes at once');
  t.deepEqual(ex.state.routes, peer(3).routes, 'the change made during the pass is applied');
  await r.stop();
});

test('a runOnce while a coalesced pass is due does not run alongside it', async (t) => {
  const ex = memoryExecutor(empty);
  const { r, clock } = reconciler(ex, () => ({ state: peer(2), warm: true }));
  const gate = deferred();
  ex.gate = gate.promise;
  r.trigger('a');
  const explicit = r.runOnce();
  await clock.advance(50); // the coalesced pass is due while the explicit one is held
  gate.resolve();
  await explicit;
  await clock.advance(50, () => r.idle());
  t.is(ex.inFlightMax, 1);
  t.is(r.stats.passes, 2, 'the coalesced pass ran after the explicit one');
  await r.stop();
});
