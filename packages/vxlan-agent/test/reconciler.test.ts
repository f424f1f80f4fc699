import test from 'ava';
import type { KernelState, Op } from '../src/kernel-model.js';
import { applyOps } from '../src/planner/memory-kernel.js';
import { plan } from '../src/planner/plan.js';
import { Reconciler, type KernelExecutor } from '../src/reconciler.js';

const empty: KernelState = { vteps: [], bridges: [], neighbors: [], fdb: [], routes: [] };
const vtep = {
  name: 'vtep1024',
  vni: 1024,
  port: 64000,
  localIp: '192.168.0.1',
  mtu: 1450,
  mac: '70:b3:d5:80:00:01',
  address: '44.128.0.1/20',
};
const peer = (n: number): KernelState => ({
  vteps: [vtep],
  bridges: [],
  neighbors: [{ dev: 'vtep1024', ip: `44.128.0.${n}`, mac: `70:b3:d5:80:00:0${n}` }],
  fdb: [{ dev: 'vtep1024', mac: `70:b3:d5:80:00:0${n}`, dst: `192.168.0.${n}` }],
  routes: [{ dst: `9.0.${n}.0/24`, gateway: `44.128.0.${n}`, dev: 'vtep1024' }],
});

/** The in-memory kernel as an executor, with a switch to make the next apply fail. */
function memoryExecutor(initial: KernelState) {
  const ex = {
    state: initial,
    applied: [] as Op[],
    failNext: false,
    needsResync: false,
    observe: () => Promise.resolve(ex.state),
    apply: (ops: readonly Op[]) => {
      if (ex.failNext) {
        ex.failNext = false;
        return Promise.resolve({ errors: [new Error('EBUSY (simulated)')] });
      }
      ex.applied.push(...ops);
      ex.state = applyOps(ex.state, ops);
      return Promise.resolve({ errors: [] });
    },
  };
  return ex satisfies KernelExecutor;
}

test('a pass applies only the difference; an unchanged resync applies nothing', async (t) => {
  const ex = memoryExecutor(empty);
  const r = new Reconciler({
    executor: ex,
    plan,
    intervalMs: 60_000,
    desired: () => ({ state: peer(2), warm: true }),
  });
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
  const r = new Reconciler({
    executor: ex,
    plan,
    intervalMs: 60_000,
    desired: () => ({ state: empty, warm }),
  });
  await r.runOnce();
  t.deepEqual(ex.state, peer(2), 'nothing deleted from a cold view');
  t.is(r.stats.deletesHeldBack, 4);
  warm = true;
  await r.runOnce();
  t.deepEqual(ex.state, empty);
  await r.stop();
});

test('a failed pass is counted and retried; triggers are coalesced', async (t) => {
  const ex = memoryExecutor(empty);
  ex.failNext = true;
  const r = new Reconciler({
    executor: ex,
    plan,
    intervalMs: 60_000,
    coalesceMs: 10,
    desired: () => ({ state: peer(3), warm: true }),
  });
  r.trigger('a');
  r.trigger('b');
  r.trigger('c');
  await new Promise((res) => setTimeout(res, 1500)); // first pass fails; the retry comes after ~1 s
  t.is(r.stats.errors, 1);
  t.deepEqual(ex.state.routes, peer(3).routes);
  t.is(r.stats.passes, 2, 'three triggers made one pass (it failed), then one retry');
  await r.stop();
});

test('lost kernel messages between passes (needsResync) bring a full resync within a second', async (t) => {
  const ex = {
    ...memoryExecutor(peer(2)),
    cleared: 0,
    clearResync() {
      ex.needsResync = false;
      ex.cleared++;
    },
  };
  const r = new Reconciler({
    executor: ex,
    plan,
    intervalMs: 60_000,
    coalesceMs: 10,
    desired: () => ({ state: peer(2), warm: true }),
  });
  r.start();
  await new Promise((res) => setTimeout(res, 200));
  const passes = r.stats.passes;
  ex.needsResync = true; // e.g. ENOBUFS on the socket
  await new Promise((res) => setTimeout(res, 1500));
  t.true(r.stats.passes > passes, 'a pass ran without any table change or timer');
  t.false(ex.needsResync);
  await r.stop();
});
