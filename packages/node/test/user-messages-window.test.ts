import test from 'ava';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { noSigning } from '@trellis/runtime';
import { UserMessages, parseMessagesConfig, type MessageReceived } from '../src/core/user-messages.js';

const now = 1_700_000_000_000;

function messages(dedupMax?: number) {
  const delivered: MessageReceived[] = [];
  const m = new UserMessages({
    selfId: 'n0',
    selfAddr: '10.0.0.1:7946',
    generation: now,
    signing: noSigning,
    config: parseMessagesConfig(dedupMax === undefined ? {} : { dedupMax }),
    broadcast: () => undefined,
    request: () => undefined,
    deliver: (e) => delivered.push(e),
    reject: () => undefined,
  });
  return { m, delivered };
}

const msg = (q: number) => ({ t: 'u', o: 'n1', g: now, q, tp: 'deploy', p: q });

test('the dedup window holds the last dedupMax ids: a repeat inside it is dropped, one older is not', (t) => {
  const { m, delivered } = messages(16);
  for (let q = 1; q <= 16; q++) m.handleMessage(now, '10.0.0.2:7946', msg(q));
  m.handleMessage(now, '10.0.0.2:7946', msg(1));
  t.is(delivered.length, 16, 'inside the window: not delivered again');
  m.handleMessage(now, '10.0.0.2:7946', msg(17));
  m.handleMessage(now, '10.0.0.2:7946', msg(16));
  t.is(delivered.length, 17, 'q=16 is still inside');
  m.handleMessage(now, '10.0.0.2:7946', msg(1));
  t.is(delivered.length, 18, 'q=1 fell out of the window when q=17 came in');
});

test('an idle node pays for the ids it saw, not for the window: under 64 KiB each', (t) => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  const keep: unknown[] = [];
  gc();
  const before = process.memoryUsage();
  for (let i = 0; i < 100; i++) keep.push(messages());
  gc();
  const after = process.memoryUsage();
  // Preallocating the 65,536-slot window cost ~1.4 MB a node: most of a 5,000-node simulation.
  const perNode = (after.heapUsed + after.arrayBuffers - before.heapUsed - before.arrayBuffers) / keep.length;
  t.log(`${(perNode / 1024).toFixed(1)} KiB per UserMessages`);
  t.true(perNode < 64 * 1024, `${perNode} B per node`);
});
