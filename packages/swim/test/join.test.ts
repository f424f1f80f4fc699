import test from 'ava';
import { ConfigError } from '@trellis/runtime';
import { parseSwimConfig, swimProfiles, type SwimEvent } from '../src/index.js';
import { CoreNet } from './helpers/core-net.js';

test('seeds that are only our own address bootstrap a cluster of one at once', (t) => {
  const net = new CoreNet();
  const a = net.add('a');
  a.join(net.now, ['a:1', 'a:1']);
  const events: SwimEvent[] = [];
  for (let e = a.pollEvent(); e !== undefined; e = a.pollEvent()) events.push(e);
  t.deepEqual(events, [{ type: 'joined', seed: undefined, members: 1 }]);
  net.run(60_000);
  t.is(a.stats().joinAttempts, 0, 'nobody to ask');
  t.is(net.eventsOf('joinAttemptFailed').length, 0);
  // A node started with no seeds at all is a new cluster, and its caller knows it.
  const b = net.add('b');
  b.join(net.now, []);
  t.is(b.pollEvent(), undefined);
});

test('join gives up after joinAttemptsMax attempts and says why each seed failed', (t) => {
  const net = new CoreNet();
  const x = net.add('x', { joinAttemptsMax: 3 });
  // A seed that answers, but not with a join reply.
  const odd = net.add('odd');
  odd.handleRequest = () => ({ t: 'nope' });
  x.join(net.now, ['nobody:1', 'odd:1']);
  net.run(300_000);
  const failed = net.eventsOf('joinAttemptFailed', 'x') as Extract<
    SwimEvent,
    { type: 'joinAttemptFailed' }
  >[];
  t.deepEqual(
    failed.map((e) => e.attempt),
    [1, 2],
  );
  const gaveUp = net.eventsOf('joinFailed', 'x');
  t.deepEqual(gaveUp, [
    {
      type: 'joinFailed',
      attempts: 3,
      errors: [
        { seed: 'nobody:1', reason: 'ERR_TRELLIS_TIMEOUT' },
        { seed: 'odd:1', reason: 'badReply' },
      ],
    },
  ]);
  t.is(x.stats().joinAttempts, 3, 'no attempt after the last');
  t.is(net.eventsOf('joined', 'x').length, 0);
});

test('joinAttemptsMax: 5 in every profile, 0 (forever) to 1000, integers only', (t) => {
  for (const profile of ['lan', 'wan', 'local'] as const) t.is(swimProfiles[profile].joinAttemptsMax, 5);
  t.is(parseSwimConfig({ joinAttemptsMax: 0 }).joinAttemptsMax, 0);
  t.is(parseSwimConfig({ joinAttemptsMax: 1000 }).joinAttemptsMax, 1000);
  for (const bad of [-1, 1001, 2.5, '3' as unknown as number]) {
    t.throws(() => parseSwimConfig({ joinAttemptsMax: bad }), { instanceOf: ConfigError }, String(bad));
  }
});

test('a second join is not confused by late replies to the first', (t) => {
  const net = new CoreNet();
  net.add('a');
  const x = net.add('x');
  x.join(net.now, ['nobody:1']); // its reply is a timeout, 10 s from now
  net.run(1000);
  x.join(net.now, ['a:1']);
  net.run(30_000);
  t.is(net.eventsOf('joined', 'x').length, 1);
  t.is(net.eventsOf('joinAttemptFailed', 'x').length, 0, 'the first join, superseded, does not retry');
  t.is(x.stats().joinAttempts, 2);
});
