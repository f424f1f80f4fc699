import test from 'ava';
import { InvalidArgumentError } from '@trellis/runtime';
import { CoreNet } from './helpers/core-net.js';

function pair(): CoreNet {
  const net = new CoreNet();
  net.add('a');
  net.add('b');
  net.core('b').join(net.now, ['a:1']);
  net.run(2000);
  return net;
}

test('Swim.request: a plug-in request is answered by the peer plug-in through handleReply', (t) => {
  const net = pair();
  const seen: { from: string; msg: Record<string, unknown> }[] = [];
  net.core('b').onUserRequest((_now, from, msg) => {
    seen.push({ from, msg });
    return msg.t === 'kv.get' ? { t: 'kv.value', v: 42 } : undefined;
  });
  const replies: { reply: unknown; error: string | undefined }[] = [];
  net
    .core('a')
    .request('b:1', { t: 'kv.get', k: 'x' }, 1000, (_at, reply, error) => replies.push({ reply, error }));
  net.run(100);
  t.deepEqual(replies, [{ reply: { t: 'kv.value', v: 42 }, error: undefined }]);
  t.deepEqual(seen, [{ from: 'a:1', msg: { t: 'kv.get', k: 'x' } }]);
});

test('a request nobody knows gets the unknown error; the core keeps its own request types', (t) => {
  const net = pair();
  let asked = 0;
  net.core('b').onUserRequest(() => {
    asked++;
    return undefined;
  });
  const b = net.core('b');
  t.deepEqual(b.handleRequest(net.now, 'a:1', { t: 'kv.other' }), { t: 'err', reason: 'unknown' });
  t.is(b.stats().rejected.unknownRequest, 1);
  t.is(asked, 1);
  // Stream pings and anti-entropy never reach the plug-in.
  t.like(b.handleRequest(net.now, 'a:1', { t: 'sping', id: 'b' }), { t: 'ack' });
  t.like(b.handleRequest(net.now, 'a:1', { t: 'pp', r: {} }), { t: 'pp1' });
  t.is(asked, 1);
});

test('a request to a silent peer reports the driver error once', (t) => {
  const net = pair();
  net.streamDown.add('b');
  const replies: (string | undefined)[] = [];
  net.core('a').request('b:1', { t: 'kv.get' }, 500, (_at, _reply, error) => replies.push(error));
  net.run(2000);
  t.deepEqual(replies, ['ERR_TRELLIS_TIMEOUT']);
  t.throws(() => net.core('a').request('b:1', { t: 'kv.get' }, 0, () => undefined), {
    instanceOf: InvalidArgumentError,
  });
});
