import test from 'ava';
import { CoreNet } from './helpers/core-net.js';

/** a, b, c, d joined through a; every core has met every other. */
function cluster(): CoreNet {
  const net = new CoreNet();
  const cores = ['a', 'b', 'c', 'd'].map((id) =>
    net.add(id, { pushPullIntervalMs: 0, reconnectIntervalMs: 5000 }),
  );
  for (const core of cores.slice(1)) core.join(net.now, ['a:1']);
  net.run(10_000);
  return net;
}

test('a member back from the dead gets one push-pull at once, however many come back together', (t) => {
  const net = cluster();
  const a = net.core('a');
  t.is(a.table.alive().length, 4);
  // b and c go silent long enough to be buried, then come back.
  for (const id of ['b', 'c']) {
    net.udpDown.add(id);
    net.streamDown.add(id);
  }
  net.run(60_000);
  t.is(a.table.get('b')?.status, 'dead');
  t.is(a.table.get('c')?.status, 'dead');
  const before = a.stats();
  net.udpDown.clear();
  net.streamDown.clear();
  net.run(20_000);
  t.is(a.table.get('b')?.status, 'alive');
  t.is(a.table.get('c')?.status, 'alive');
  const after = a.stats();
  t.true(after.returnSyncs >= 1, 'synced with a returned member');
  // One per probe interval at most: two members returning in the same moment cost one exchange.
  t.true(
    after.returnSyncs - before.returnSyncs <= 2,
    `${after.returnSyncs - before.returnSyncs} return syncs`,
  );
  t.log(`return syncs at a: ${after.returnSyncs}; push-pulls ${before.pushPulls} -> ${after.pushPulls}`);
});
