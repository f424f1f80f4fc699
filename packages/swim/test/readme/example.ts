import { Rng } from '@trellis/runtime';
import { Swim, type Transmit } from '@trellis/swim';

// Two cores back to back in virtual time: a stand-in for the driver of @trellis/node.
let now = 0;
const a = new Swim({ id: 'a', addr: 'a:1', now, rng: Rng.fromSeed(1), profile: 'local' });
const b = new Swim({ id: 'b', addr: 'b:1', now, rng: Rng.fromSeed(2), profile: 'local' });
const cores = new Map([
  ['a:1', a],
  ['b:1', b],
]);
const deliver = (from: string, t: Transmit): void => {
  const to = cores.get(t.to);
  if (to === undefined) return;
  if (t.kind === 'datagram') for (const m of t.msgs) to.handleMessage(now, from, m);
  else cores.get(from)?.handleReply(now, t.token, to.handleRequest(now, from, t.msg));
};
const runUntil = (end: number): void => {
  for (; now <= end; now += 5) {
    for (const [addr, core] of cores) {
      if ((core.pollTimeout() ?? Infinity) <= now) core.handleTimeout(now);
      for (let t = core.pollTransmit(); t; t = core.pollTransmit()) deliver(addr, t);
      for (let e = core.pollEvent(); e; e = core.pollEvent()) {
        if (e.type === 'joined')
          console.log(`${core.selfId} joined through ${e.seed ?? 'nobody: a new cluster'}`);
      }
    }
  }
};

// A store plug-in on b: its own broadcast class and its own request type.
b.addBroadcastClass('kv', 0.3);
b.onUserRequest((_now, _from, msg) => (msg.t === 'kv.get' ? { t: 'kv.value', v: 42 } : undefined));

a.join(now, ['a:1']); // only our own address: bootstrap a cluster of one
b.join(now, ['a:1']);
runUntil(3000);
a.request('b:1', { t: 'kv.get', k: 'x' }, 1000, (_at, reply, error) => console.log('kv.get:', reply, error));
runUntil(3100);
console.log(`members: a ${a.clusterSize()}, b ${b.clusterSize()}`);
