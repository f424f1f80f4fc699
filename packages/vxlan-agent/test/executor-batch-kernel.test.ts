/**
 * Batched entry writes against a real kernel, in a namespace of its own per test (needs root):
 * more remotes than one datagram holds, one route the kernel rejects and one on a device that
 * does not exist; the rest land (checked with iproute2) and each failure is reported alone,
 * exactly as a request of its own was reported.
 */
import test from 'ava';
import type { KernelObject, KernelState, Op } from '../src/kernel-model.js';
import { batchMessages } from '../src/executor/entry-batch.js';
import { plan } from '../src/planner/plan.js';
import { createNetns, ipJson, isRoot, notRootReason, runFixture } from './fixtures/netns.js';
import { testVtep } from './fixtures/test-vtep.js';

const kernelTest = isRoot ? test : test.skip;
if (!isRoot) test('kernel tests skipped', (t) => t.log(notRootReason) ?? t.pass());

const dev = testVtep.name;
const vtep = testVtep;
const n = batchMessages + 14;
const hex = (b: number): string => b.toString(16).padStart(2, '0');
const ids = Array.from({ length: n }, (_, k) => k + 2);
const ip = (i: number): string => `44.128.${i >> 8}.${i & 0xff}`;
const mac = (i: number): string => `70:b3:d5:80:${hex(i >> 8)}:${hex(i & 0xff)}`;
/** Remote `bad` gets a route whose prefix has host bits set: the kernel answers EINVAL. */
const bad = 150;
const subnet = (i: number): string => (i === bad ? `9.0.${i}.7/24` : `9.${i >> 8}.${i & 0xff}.0/24`);

const want: KernelState = {
  vteps: [vtep],
  bridges: [],
  neighbors: ids.map((i) => ({ dev, ip: ip(i), mac: mac(i) })),
  fdb: ids.map((i) => ({ dev, mac: mac(i), dst: `192.168.${78 + (i >> 8)}.${i & 0xff}` })),
  routes: ids.map((i) => ({ dst: subnet(i), gateway: ip(i), dev })),
};
const put = (object: KernelObject): Op => ({ op: 'put', object });
const noDevice = put({ kind: 'route', spec: { dst: '9.200.0.0/24', gateway: ip(2), dev: 'vtep9' } });

kernelTest(
  'one rejected route in a batch fails alone; the rest land; a resync writes nothing else',
  async (t) => {
    const ns = await createNetns(t);
    const ops = [...plan(want, { vteps: [], bridges: [], neighbors: [], fdb: [], routes: [] }), noDevice];
    t.is(ops.length, 1 + 3 * n + 1);
    const out = await runFixture(ns, { steps: [{ apply: ops }, { observe: null }] });
    t.is(out.error, undefined, JSON.stringify(out.error));
    const r = out.results[0] as { errors: { op: Op; error: object }[]; skipped: Op[]; applied: object };
    t.deepEqual(r.errors, [
      {
        op: put({ kind: 'route', spec: { dst: subnet(bad), gateway: ip(bad), dev } }),
        error: {
          name: 'NetlinkRequestError',
          code: 'ERR_TRELLIS_NETLINK_REQUEST',
          message: `netlink route ${subnet(bad)} via ${ip(bad)} dev ${dev}: EINVAL (errno 22)`,
        },
      },
      {
        op: noDevice,
        error: {
          name: 'NetlinkRequestError',
          code: 'ERR_TRELLIS_NETLINK_REQUEST',
          message: 'netlink find link vtep9: ENODEV (errno 19)',
        },
      },
    ]);
    t.deepEqual(r.skipped, []);
    t.false(out.needsResync);
    const neigh = await ipJson(ns, 'ip', ['neigh', 'show', 'dev', dev]);
    t.is(neigh.filter((e) => (e.state as string[]).includes('PERMANENT')).length, n);
    const fdb = await ipJson(ns, 'bridge', ['fdb', 'show', 'dev', dev]);
    t.is(fdb.filter((e) => e.dst !== undefined).length, n);
    const routes = await ipJson(ns, 'ip', ['route', 'show', 'proto', '44']);
    t.is(routes.length, n - 1);
    t.false(routes.some((e) => e.dst === `9.0.${bad}.0/24`));
    // Only the rejected route is still to do.
    t.deepEqual(plan(want, out.results[1] as KernelState), [
      put({ kind: 'route', spec: want.routes[bad - 2]! }),
    ]);
  },
);

kernelTest('deletes in batches: everything goes, and deleting it again succeeds', async (t) => {
  const ns = await createNetns(t);
  const some: KernelState = { ...want, routes: want.routes.filter((_, k) => k !== bad - 2) };
  const empty: KernelState = { vteps: [vtep], bridges: [], neighbors: [], fdb: [], routes: [] };
  const puts = plan(some, { vteps: [], bridges: [], neighbors: [], fdb: [], routes: [] });
  const dels = plan(empty, some);
  t.is(dels.length, 3 * n - 1);
  // One fixture process per step: a command line holds only so many ops.
  const scripts = [[{ apply: puts }], [{ apply: dels }], [{ apply: dels }, { observe: null }]];
  const outs = [];
  for (const steps of scripts) outs.push(await runFixture(ns, { steps }));
  for (const [k, out] of outs.entries()) {
    t.is(out.error, undefined, JSON.stringify(out.error));
    t.deepEqual((out.results[0] as { errors: unknown[] }).errors, [], `apply ${k}`);
  }
  t.like(outs[2]!.results[1], { neighbors: [], fdb: [], routes: [] });
  t.deepEqual(await ipJson(ns, 'ip', ['route', 'show', 'proto', '44']), []);
});
