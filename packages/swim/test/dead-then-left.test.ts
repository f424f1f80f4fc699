import test from 'ava';
import { toMemberMessage } from '../src/index.js';
import { CoreNet } from './helpers/core-net.js';

test('a member we buried that then left is reported as memberLeft (stores drop it at once)', (t) => {
  const net = new CoreNet();
  const [a, b] = ['a', 'b'].map((id) => net.add(id, { pushPullIntervalMs: 0, reconnectIntervalMs: 0 }));
  b!.join(net.now, ['a:1']);
  net.run(5_000);
  net.udpDown.add('b');
  net.streamDown.add('b');
  net.run(60_000);
  const dead = a!.table.get('b')!;
  t.is(dead.status, 'dead');
  // b's leave reaches a only now (it left while cut off).
  a!.handleMessage(net.now, 'b:1', toMemberMessage({ ...dead, status: 'left' }));
  net.run(10);
  t.is(a!.table.get('b')?.status, 'left');
  t.like(net.eventsOf('memberLeft', 'a'), [{ type: 'memberLeft', member: { id: 'b', status: 'left' } }]);
});
