import test from 'ava';
import { UserMessages, parseMessagesConfig, type MessageReceived } from '../src/core/user-messages.js';
import { seedFromEnv } from '@trellis/sim';
import { TestCa } from './helpers/sim-identity.js';
import { cluster } from './helpers/signed-cluster.js';
import { addrOf } from './helpers/swim-cores.js';

/**
 * Issue 12: a signed `send` proves who wrote it, so it must also say to whom and which one it
 * is: otherwise the member it was sent to, or anyone who saw it pass in a plaintext cluster,
 * can hand it to any other member as the origin's, and as often as they like.
 */

const now = 1_700_000_000_000;

/** Node `index` (id `n<index>`, at `addrOf(index)`) with identity from `ca`. */
function member(ca: TestCa, index: number) {
  const spy = {
    requests: [] as object[],
    delivered: [] as MessageReceived[],
    rejected: [] as string[],
  };
  const deps = {
    selfId: `n${index}`,
    selfAddr: addrOf(index),
    generation: now,
    signing: ca.identity(`n${index}`),
    config: parseMessagesConfig(),
    broadcast: () => undefined,
    request: (_to: string, msg: object) => spy.requests.push(msg),
    deliver: (e: MessageReceived) => spy.delivered.push(e),
    reject: (_from: string, reason: string) => spy.rejected.push(reason),
  };
  const messages = new UserMessages(deps);
  return { messages, spy, signing: deps.signing };
}

test('a signed send is delivered once, by the member it was sent to only', (t) => {
  const ca = new TestCa();
  const [a, b, c] = [member(ca, 1), member(ca, 2), member(ca, 3)];
  for (const x of [a, b, c])
    for (const y of [a, b, c]) y.signing.admit(x.signing.certificate.i, x.signing.certificate, now);
  a.messages.send(addrOf(2), 'deploy', 'v2', () => undefined);
  const sent = a.spy.requests[0] as Record<string, unknown>;
  t.like(b.messages.handleRequest(now, addrOf(1), sent), { t: 'usok' });
  t.is(b.spy.delivered.length, 1, 'b gets it');
  // b, having it, replays it to b again and hands it on to c as a's.
  t.like(b.messages.handleRequest(now + 1, addrOf(3), sent), { t: 'usok' }, 'a repeat is acknowledged');
  t.is(b.spy.delivered.length, 1, 'but not delivered twice');
  c.messages.handleRequest(now + 2, addrOf(2), sent);
  t.deepEqual(c.spy.delivered, [], 'c never gets a message a sent to b');
  t.deepEqual(c.spy.rejected, ['message:badSignature']);
  // A second send of the same content is a new message, delivered.
  a.messages.send(addrOf(2), 'deploy', 'v2', () => undefined);
  b.messages.handleRequest(now + 3, addrOf(1), a.spy.requests[1] as Record<string, unknown>);
  t.is(b.spy.delivered.length, 2);
});

test('in a signed cluster a send reaches its member and is acknowledged', async (t) => {
  const seed = seedFromEnv(1212);
  const c = cluster(seed, new TestCa());
  const got: string[] = [];
  for (const n of c.running()) n.on('message', (m) => got.push(`${n.id}<-${m.from}:${String(m.payload)}`));
  const sent = c.node('n0').send('n1', 'v2', { topic: 'deploy' });
  c.sim.runUntil(() => got.length > 0, { timeoutMs: 10_000 });
  c.sim.run(1_000); // the acknowledgement's way back
  await t.notThrowsAsync(sent, `SEED=${seed}: acknowledged`);
  t.deepEqual(got, ['n1<-n0:v2']);
});
