/**
 * The vishvananda/netlink peer of `bench:dataplane`: without Go it says what to install; with Go
 * and Debian's sources it builds and writes N remotes into a namespace of its own (root), with
 * the counts verified by iproute2 and the fields of the trellis worker.
 */
import test from 'ava';
import { buildGoPeer, goInstallHint, goRun } from '../src/dataplane-go.js';

const go = await buildGoPeer();
const root = process.getuid?.() === 0;
if (!go.ok) console.log(`dataplane-go: the Go peer test is skipped because ${go.reason} (${go.install})`);
else if (!root)
  console.log('dataplane-go: the Go peer test is skipped because it needs root (CI runs as root)');

test('without go on PATH the peer is left out with what to install', async (t) => {
  const r = await buildGoPeer({ ...process.env, PATH: '/nonexistent' });
  t.false(r.ok);
  if (r.ok) return;
  t.is(r.reason, 'go is not on PATH');
  t.is(r.install, goInstallHint);
  t.regex(r.install, /golang-github-vishvananda-netlink-dev/);
});

(go.ok && root ? test : test.skip)(
  'the Go peer writes 20 remotes, verified, and a resync needs nothing',
  async (t) => {
    if (!go.ok) return;
    const r = await goRun(go.binary, 20);
    t.true(r.verified);
    t.deepEqual(r.kernel, { neighbors: 20, fdb: 20, routes: 20 });
    t.like(r.out, {
      ops: 60,
      errors: 0,
      resyncOps: 0,
      mode: 'handle',
      observed: { neighbors: 20, fdb: 20, routes: 20 },
    });
    t.true(r.out.applyMs > 0);
  },
);
