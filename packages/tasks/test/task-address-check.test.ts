import test from 'ava';
import { harness, remote, web } from './helpers/task-harness.js';

/** Agent `a` holds 9.0.1.0/24 on dcos (and fd00:1::/64), once `routed` says so. */
function world() {
  const routed = new Set<string>();
  const calls: string[] = [];
  const h = harness({
    addressCheck: (owner, network, ipv4, ipv6) => {
      calls.push(`${owner} ${network} ${ipv4} ${ipv6}`);
      return (
        routed.has(owner) &&
        network === 'dcos' &&
        (ipv4 === '' || ipv4.startsWith('9.0.1.')) &&
        (ipv6 === '' || ipv6.startsWith('fd00:1::'))
      );
    },
  });
  h.member('a', 'alive');
  return { h, routed, calls };
}

test('a remote task whose addresses its agent does not hold is kept but not seen, and counted', (t) => {
  const { h, routed } = world();
  routed.add('a');
  h.store.handleRecord(h.now, 'a:1', remote('a', 'own', { nw: [['dcos', '9.0.1.5', 'fd00:1::5']] }));
  h.store.handleRecord(h.now, 'a:1', remote('a', 'theirs', { nw: [['dcos', '9.0.2.5', '']] }));
  h.store.handleRecord(h.now, 'a:1', remote('a', 'v6', { nw: [['dcos', '9.0.1.6', 'fd00:2::6']] }));
  h.store.handleRecord(h.now, 'a:1', remote('a', 'nowhere', { nw: [['other', '10.1.1.1', '']] }));
  h.store.handleRecord(h.now, 'a:1', remote('a', 'plain', { nw: [] }));
  h.advance(100);
  t.deepEqual(h.names(), ['a/own', 'a/plain']);
  t.is(h.store.stats().unverified, 3);
  t.is(h.store.stats().records, 5, 'replicated all the same');
});

test('a task that arrived before its agent’s route is seen once the check passes and recheck is asked', (t) => {
  const { h, routed } = world();
  h.store.handleRecord(h.now, 'a:1', remote('a', 'early', { nw: [['dcos', '9.0.1.5', '']] }));
  h.advance(100);
  t.deepEqual(h.names(), []);
  routed.add('a');
  h.store.markDirty(h.now); // what TasksApi.recheck() does
  h.advance(200);
  t.deepEqual(h.names(), ['a/early']);
  t.is(h.store.stats().unverified, 0);
  routed.delete('a'); // its route withdrawn, or lost to another claim
  h.store.markDirty(h.now);
  h.advance(300);
  t.deepEqual(h.names(), []);
});

test('our own tasks are not checked', (t) => {
  const { h, calls } = world();
  h.store.publish(h.now, web);
  h.advance(100);
  t.deepEqual(h.names(), ['self/web.1']);
  t.deepEqual(calls, []);
});
