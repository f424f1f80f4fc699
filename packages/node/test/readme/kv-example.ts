import { createNode } from '@trellis/node';

const a = await createNode({ id: 'a', bind: '127.0.0.1:0', keyring: null, profile: 'local' });
const b = await createNode({
  id: 'b',
  bind: '127.0.0.1:0',
  keyring: null,
  profile: 'local',
  seeds: [a.address],
});
await b.joined();

// Owned (the default): each node writes only its own keys; a dead node's leave after graceMs.
const racksAtA = a.kv('racks');
const racksAtB = b.kv('racks');
racksAtA.set('rack', 'r1');
racksAtB.set('rack', 'r2');

// Shared: one value per key, whoever writes it; the last write wins by a hybrid logical clock.
const leaderAtA = a.kv('leader', { mode: 'shared' });
const leaderAtB = b.kv('leader', { mode: 'shared' });
leaderAtA.set('node', 'a');

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 20));
};
await until(() => racksAtA.entries().length === 2 && leaderAtB.get('node') === 'a');
console.log(racksAtA.entries()); // every owner's entry
console.log(racksAtA.get('rack', 'b')); // b's entry; get('rack') is our own
leaderAtB.set('node', 'b');
await until(() => leaderAtA.get('node') === 'b');
console.log(leaderAtA.entries()); // the last write, and who wrote it

await Promise.all([a.leave(), b.leave()]);
await Promise.all([a.close(), b.close()]);
