import { createNode } from '@trellis/node';
import { taskStore } from '@trellis/tasks';

const tasks = taskStore({ graceMs: 10_000 });
const a = await createNode({
  id: 'a',
  bind: '127.0.0.1:0',
  keyring: null,
  profile: 'local',
  stores: { tasks },
});
const b = await createNode({
  id: 'b',
  bind: '127.0.0.1:0',
  keyring: null,
  profile: 'local',
  seeds: [a.address],
  stores: { tasks },
});
await b.joined();

const published = new Promise((resolve) => a.stores.tasks.once('changed', resolve));
b.stores.tasks.publish({
  id: 'web.7f3a',
  name: 'web',
  framework: 'marathon',
  agentIp: '10.0.0.17',
  networks: [{ name: 'dcos', ipv4: '9.0.3.2' }],
});
await published;
console.log(a.stores.tasks.list()); // every live agent's tasks, ours included
b.stores.tasks.withdraw('web.7f3a');

await Promise.all([a.leave(), b.leave()]);
await Promise.all([a.close(), b.close()]);
