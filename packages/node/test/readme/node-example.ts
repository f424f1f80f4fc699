import { createNode } from '@trellis/node';

const a = await createNode({ id: 'a', bind: '127.0.0.1:0', keyring: null, profile: 'local' });
const b = await createNode({
  id: 'b',
  bind: '127.0.0.1:0',
  keyring: null,
  profile: 'local',
  seeds: [a.address],
});
await b.joined(); // rejects with JoinFailedError if no seed answers within the retries
console.log(
  'members of b:',
  b
    .liveMembers()
    .map((m) => m.id)
    .sort(),
);

// User messages: a broadcast reaches every other node at most once; send waits for the peer.
const heard = new Promise((resolve) => a.once('message', resolve));
b.broadcast('deploy', { version: 7 });
console.log('a heard', await heard);
await b.send('a', 'hello', { topic: 'greet' });

// The application's own replicated data: each node writes its keys, every node reads them.
const atA = a.kv('inventory');
const changed = new Promise((resolve) => atA.once('changed', resolve));
b.kv('inventory').set('cpus', 8);
await changed;
console.log('a reads', atA.entries());

await b.leave();
await Promise.all([a.close(), b.close()]);
