/**
 * Golden bytes of the records the node's stores gossip and of the node's own user messages:
 * route records (`t: 'r'`), task records (`t: 'k'`), kv records of an owned and of a shared table
 * (`t: 'v:<name>'`, the value as msgpack bytes in `d`), the broadcast `u`, the send request `us`
 * and its reply `usok`.
 *
 * Why bytes: a rolling upgrade mixes versions, so a change in these bytes (a field renamed,
 * reordered or retyped, a generation in ms that stops being a float64) is a protocol change,
 * which old nodes read wrongly or refuse. Such a change needs a new wire version or a reader of
 * both forms, and a new golden here, on purpose (see wire-golden-swim.test.ts).
 *
 * Every record is published through the store's own API on a StoreTestbed (the path a node
 * takes), never typed by hand; the golden bytes, decoded, must pass the store's validator and
 * be taken by a second store, as a peer would take them.
 */
import test from 'ava';
import { noSigning } from '@trellis/runtime';
import { StoreTestbed } from '@trellis/store/testbed';
import { routeStore, validateRouteWire } from '@trellis/routes';
import { taskStore, validateTaskWire } from '@trellis/tasks';
import { kvStore, ownedSchema, sharedSchema, type KvTable } from '@trellis/kv';
import type { StoreHost, StorePlugin } from '@trellis/store';
import { UserMessages, parseMessagesConfig, type MessageReceived } from '../src/core/user-messages.js';
import { addrOf } from './helpers/swim-cores.js';
import { UNIX_MS, plainBytes, wire } from './helpers/wire-golden.js';

/** Node `selfId` at generation UNIX_MS, its clock 5 ms later; `host` runs commands at that clock. */
function testbed(selfId: string) {
  const bed = new StoreTestbed({ selfId, generation: UNIX_MS, seed: 1 });
  bed.advance([], UNIX_MS + 5);
  const host: StoreHost = { run: (command) => command(bed.now) };
  return { bed, host };
}

/** Two nodes with the same plug-in: `a` publishes, `b` receives. */
function pair<Api, E>(plugin: StorePlugin<Api, E>, name: string) {
  const a = testbed('a');
  const b = testbed('b');
  b.bed.member('a', 'alive');
  return {
    a: { ...a, ...plugin.create(a.bed.context(name), a.host) },
    b: { ...b, ...plugin.create(b.bed.context(name), b.host) },
  };
}

const lastBroadcast = (bed: StoreTestbed): object => bed.broadcasts.at(-1)!.msg;

test('golden: route records, claimed and withdrawn', (t) => {
  const { a, b } = pair(routeStore({ overlays: [{ name: 'dcos', subnet: '9.0.0.0/8' }] }), 'routes');
  a.api.publish('dcos', { underlayIp: '10.0.0.1' });
  // {t:'r', o:'dcos', w:'a', g, v:0, st:0 (claimed), c: claim clock, s: slice, u, vi, vm}
  const claimed = wire(
    t,
    lastBroadcast(a.bed),
    `8b a174 a172  a16f a464636f73  a177 a161  a167 cb4279ad9c8b200000  a176 00  a27374 00
      a163 cb4279ad9c8b205000  a173 cd0cb4  a175 a831302e302e302e31  a27669 ad34342e3132382e31322e313831
      a2766d b137303a62333a64353a38303a30633a6235`,
  );
  t.deepEqual(validateRouteWire(claimed), { ok: true, record: claimed });
  b.store.handleRecord(b.bed.now, addrOf(1), claimed);
  t.deepEqual(b.api.record('dcos', 'a'), claimed, 'a peer takes the golden record');
  a.api.withdraw('dcos');
  // The same with v:1, st:2 (withdrawn: a tombstone)
  const withdrawn = wire(
    t,
    lastBroadcast(a.bed),
    `8b a174 a172  a16f a464636f73  a177 a161  a167 cb4279ad9c8b200000  a176 01  a27374 02
      a163 cb4279ad9c8b205000  a173 cd0cb4  a175 a831302e302e302e31  a27669 ad34342e3132382e31322e313831
      a2766d b137303a62333a64353a38303a30633a6235`,
  );
  t.like(validateRouteWire(withdrawn), { ok: true, record: { st: 2 } });
  b.store.handleRecord(b.bed.now, addrOf(1), withdrawn);
  t.deepEqual(b.api.record('dcos', 'a'), withdrawn);
});

test('golden: a task record with an IPv4 and an IPv6 network', (t) => {
  const { a, b } = pair(taskStore(), 'tasks');
  a.api.publish({
    id: 'web.1',
    name: 'web',
    framework: 'marathon',
    agentIp: '10.0.0.1',
    networks: [
      { name: 'dcos', ipv4: '9.0.3.2' },
      { name: 'dcos6', ipv6: 'fd01:b::2' },
    ],
  });
  // {t:'k', w:'a', i:'web.1', g, v:0, st:0, n:'web', f:'marathon', a:'10.0.0.1',
  //  nw:[['dcos','9.0.3.2',''], ['dcos6','','fd01:b::2']]}
  const task = wire(
    t,
    lastBroadcast(a.bed),
    `8a a174 a16b  a177 a161  a169 a57765622e31  a167 cb4279ad9c8b200000  a176 00  a27374 00
      a16e a3776562  a166 a86d61726174686f6e  a161 a831302e302e302e31
      a26e77 92 93 a464636f73 a7392e302e332e32 a0  93 a564636f7336 a0 a9666430313a623a3a32`,
  );
  t.deepEqual(validateTaskWire(task), { ok: true, record: task });
  b.store.handleRecord(b.bed.now, addrOf(1), task);
  b.bed.advance(b.store, b.bed.now + 1000);
  t.like(b.api.list(), [{ agent: 'a', id: 'web.1', networks: [{ ipv4: '9.0.3.2' }, { ipv6: 'fd01:b::2' }] }]);
});

const kvLimits = (tag: string) => ({ tag, keyLengthMax: 256, valueBytesMax: 1024 });

test('golden: a kv record of an owned table, its value as msgpack bytes', (t) => {
  const { a, b } = pair<KvTable, unknown>(kvStore('inv'), 'inv');
  a.api.set('cpu', { cores: 4 });
  // {t:'v:inv', w:'a', k:'cpu', g, v:0, st:0, d: msgpack({cores: 4}) = 81 a5636f726573 04}
  const record = wire(
    t,
    lastBroadcast(a.bed),
    `87 a174 a5763a696e76  a177 a161  a16b a3637075  a167 cb4279ad9c8b200000  a176 00  a27374 00
      a164 c408 81a5636f72657304`,
  );
  t.deepEqual(plainBytes(ownedSchema(kvLimits('v:inv')).validate(record)), {
    ok: true,
    record: plainBytes(record),
  });
  b.store.handleRecord(b.bed.now, addrOf(1), record);
  b.bed.advance(b.store, b.bed.now + 1000);
  t.deepEqual(b.api.get('cpu', 'a'), { cores: 4 });
});

test('golden: a kv record of a shared table, stamped by the hybrid clock', (t) => {
  const { a, b } = pair<KvTable, unknown>(kvStore('conf', { mode: 'shared' }), 'conf');
  a.api.set('level', 'debug');
  // {t:'v:conf', k:'level', l: wall ms, c:0, w:'a', st:0, d: msgpack('debug') = a5 6465627567}
  const record = wire(
    t,
    lastBroadcast(a.bed),
    `87 a174 a6763a636f6e66  a16b a56c6576656c  a16c cb4279ad9c8b205000  a163 00  a177 a161  a27374 00
      a164 c406 a56465627567`,
  );
  t.deepEqual(plainBytes(sharedSchema(kvLimits('v:conf')).validate(record)), {
    ok: true,
    record: plainBytes(record),
  });
  b.store.handleRecord(b.bed.now, addrOf(1), record);
  b.bed.advance(b.store, b.bed.now + 1000);
  t.is(b.api.get('level'), 'debug');
});

/** The node's user messages of node `selfId`, with spies on what they broadcast, request and deliver. */
function userMessages(selfId: string) {
  const spy = {
    broadcasts: [] as object[],
    requests: [] as { msg: object; onReply: (at: number, reply: unknown, error?: string) => void }[],
    delivered: [] as MessageReceived[],
    rejected: [] as string[],
  };
  const messages = new UserMessages({
    selfId,
    selfAddr: addrOf(selfId === 'a' ? 1 : 2),
    generation: UNIX_MS,
    signing: noSigning,
    config: parseMessagesConfig(),
    broadcast: (_key, msg) => spy.broadcasts.push(msg),
    request: (_to, msg, _timeoutMs, onReply) => spy.requests.push({ msg, onReply }),
    deliver: (e) => spy.delivered.push(e),
    reject: (_from, reason) => spy.rejected.push(reason),
  });
  return { messages, spy };
}

test('golden: user messages — broadcast u, send us and its reply usok', (t) => {
  const a = userMessages('a');
  const b = userMessages('b');
  a.messages.broadcast('deploy', { v: 2 });
  // {t:'u', o:'a', g, q:1, tp:'deploy', p:{v:2}}
  const U = `86 a174 a175  a16f a161  a167 cb4279ad9c8b200000  a171 01  a27470 a66465706c6f79  a170 81 a176 02`;
  const u = wire(t, a.spy.broadcasts[0]!, U);
  b.messages.handleMessage(0, addrOf(1), u);
  t.deepEqual(b.spy.delivered, [
    { type: 'messageReceived', topic: 'deploy', payload: { v: 2 }, from: 'a', direct: false },
  ]);
  wire(t, b.spy.broadcasts[0]!, U); // relayed as the same bytes

  const outcome: { done: boolean; error?: string } = { done: false };
  a.messages.send(addrOf(2), 'hello', 'hi', (error) => {
    outcome.done = true;
    if (error !== undefined) outcome.error = error;
  });
  // {t:'us', o:'a', tp:'hello', p:'hi'}
  const us = wire(
    t,
    a.spy.requests[0]!.msg,
    `84 a174 a27573  a16f a161  a27470 a568656c6c6f  a170 a26869`,
    'stream',
  );
  // {t:'usok'}
  const usok = wire(t, b.messages.handleRequest(0, addrOf(1), us), `81 a174 a475736f6b`, 'stream');
  a.spy.requests[0]!.onReply(0, usok);
  t.deepEqual(outcome, { done: true }, 'the sender took the golden reply as an acknowledgement');
  t.like(b.spy.delivered[1], { topic: 'hello', payload: 'hi', from: 'a', direct: true });
  t.deepEqual([...a.spy.rejected, ...b.spy.rejected], []);
});
