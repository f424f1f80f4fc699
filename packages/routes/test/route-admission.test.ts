import test from 'ava';
import { dcos, harness, remote } from './helpers/route-harness.js';

const held = (h: ReturnType<typeof harness>, w: string) => h.store.record('tiny', w) !== undefined;

test('a peer route whose underlay is not unicast is refused: loopback, multicast, unspecified, broadcast', (t) => {
  const h = harness();
  const bad = ['127.0.0.1', '127.8.8.8', '224.0.0.1', '239.1.2.3', '0.0.0.0', '0.1.2.3', '255.255.255.255'];
  bad.forEach((u, i) => h.receive(remote(`p${i}`, { u })));
  t.deepEqual(
    bad.filter((_, i) => held(h, `p${i}`)),
    [],
  );
  t.is(h.store.stats().rejected.invalidAddress, bad.length);
  for (const u of ['192.168.0.10', '10.0.0.1', '6.6.6.6', '100.64.0.1']) h.receive(remote(`ok-${u}`, { u }));
  t.is(h.store.stats().records, 4, 'unicast underlays are taken');
});

test('loopbackUnderlay: a cluster on one host takes loopback underlays (nothing else)', (t) => {
  const h = harness({ config: { loopbackUnderlay: true } });
  h.receive(remote('a', { u: '127.0.0.2' }));
  h.receive(remote('b', { u: '224.0.0.1' }));
  t.true(held(h, 'a'));
  t.false(held(h, 'b'));
});

test('a peer route whose VTEP IP is outside the overlay’s VTEP subnet, or whose MAC is a group address, is refused', (t) => {
  const h = harness();
  h.receive(remote('outside', { vi: '44.128.0.1' })); // dcos's VTEP subnet, not tiny's
  h.receive(remote('network', { vi: '44.129.0.0' }));
  h.receive(remote('broadcast', { vi: '44.129.0.255' }));
  h.receive(remote('multicast-mac', { vm: '01:00:5e:00:00:01' }));
  h.receive(remote('broadcast-mac', { vm: 'ff:ff:ff:ff:ff:ff' }));
  h.receive(remote('zero-mac', { vm: '00:00:00:00:00:00' }));
  t.is(h.store.stats().records, 0);
  t.is(h.store.stats().rejected.invalidAddress, 6);
  h.receive(remote('fine', { vi: '44.129.0.254', vm: '02:00:00:00:00:01' }));
  t.true(held(h, 'fine'));
  // An overlay we do not route: its VTEP subnet is not ours to check.
  h.receive(remote('elsewhere', { o: 'other', vi: '1.2.3.4' }));
  t.truthy(h.store.record('other', 'elsewhere'));
});

test('a withdrawn route is not checked: it routes nothing', (t) => {
  const h = harness();
  h.receive(remote('w', { st: 2, u: '0.0.0.0' }));
  t.true(held(h, 'w'));
});

test('publish refuses what peers would refuse, listing every problem', (t) => {
  const h = harness();
  h.release();
  const error = t.throws(() =>
    h.store.publish(h.now, 'dcos', {
      underlayIp: '224.0.0.1',
      vtepIp: '10.0.0.1',
      vtepMac: '01:00:5e:00:00:01',
    }),
  );
  t.regex(error.message, /underlayIp.*vtepIp.*44\.128\.0\.0\/20.*vtepMac/);
  t.is(h.store.record('dcos', 'self'), undefined, 'nothing published');
  t.is(
    h.store.publish(h.now, 'dcos', { underlayIp: '127.0.0.1' }).state,
    'claimed',
    'our own loopback is ours',
  );
  t.true(dcos.hasVtepIp(h.store.record('dcos', 'self')!.vi));
});
