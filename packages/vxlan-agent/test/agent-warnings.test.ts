import test from 'ava';
import { createNode } from '@trellis/node';
import { routeStore } from '@trellis/routes';
import { taskStore } from '@trellis/tasks';
import { call } from './fixtures/http-client.js';
import { inProcessAgent as startInProcess } from './fixtures/in-process-agent.js';

const overlays = [{ name: 'dcos', subnet: '9.0.0.0/8' }];
const routes = { settleMs: 300 };
const sharedMac = '70:b3:d5:ff:00:01';

async function until(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; !check(); await new Promise((r) => setTimeout(r, 50)))
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
}

const inProcessAgent = (t: Parameters<typeof startInProcess>[0]) => startInProcess(t, { overlays, routes });

test('two remote agents with one VTEP MAC: logged once over many passes, in /metrics, resolved once', async (t) => {
  const { agent, executor, records } = await inProcessAgent(t);
  const remote = async (id: string, underlayIp: string) => {
    const node = await createNode({
      id,
      bind: '127.0.0.1:0',
      keyring: null,
      profile: 'local',
      seeds: [agent.node.address],
      stores: { routes: routeStore({ overlays, config: routes }), tasks: taskStore() },
    });
    t.teardown(() => node.close());
    node.stores.routes.publish('dcos', { underlayIp, vtepMac: sharedMac });
    return node;
  };
  const [, c] = await Promise.all([remote('agent-b', '127.0.0.2'), remote('agent-c', '127.0.0.3')]);
  const table = () => agent.node.stores.routes.table('dcos');
  await until(
    () => table().length === 2 && agent.node.stores.routes.local('dcos')?.state === 'settled',
    'both remotes in the table and our slice settled',
  );
  for (let i = 0; i < 20; i++) await agent.reconciler.runOnce();
  t.true(agent.reconciler.stats.passes >= 20, `${agent.reconciler.stats.passes} passes`);

  const lines = (message: string) => records.filter((r) => r.message === message);
  const raised = lines('address collision: remote route skipped');
  t.is(raised.length, 1, 'one line for one collision, however many passes');
  t.like(raised[0], {
    level: 'warn',
    fields: {
      component: 'planner',
      reason: 'duplicateVtepMac',
      overlay: 'dcos',
      owner: 'agent-c',
      keptOwner: 'agent-b',
    },
  });
  // The first owner keeps the MAC: only its FDB entry is programmed.
  t.deepEqual(
    executor.state.fdb.map((f) => [f.mac, f.dst]),
    [[sharedMac, '127.0.0.2']],
  );
  const socket = { socketPath: agent.http.socketPath };
  const metrics = async () => (await call(socket, 'GET', '/metrics')).text;
  const labels = '\\{type="remoteSkipped",reason="duplicateVtepMac"\\}';
  let text = await metrics();
  t.regex(text, new RegExp(`^trellis_planner_warnings${labels} 1$`, 'm'));
  t.regex(text, new RegExp(`^trellis_planner_warnings_raised_total${labels} 1$`, 'm'));

  c.stores.routes.withdraw('dcos');
  await until(() => table().length === 1, "agent-c's route gone");
  for (let i = 0; i < 5; i++) await agent.reconciler.runOnce();
  t.is(lines('collision resolved').length, 1);
  t.like(lines('collision resolved')[0]?.fields, { owner: 'agent-c', keptOwner: 'agent-b' });
  t.is(lines('address collision: remote route skipped').length, 1);
  text = await metrics();
  t.regex(text, new RegExp(`^trellis_planner_warnings${labels} 0$`, 'm'));
  t.regex(text, new RegExp(`^trellis_planner_warnings_raised_total${labels} 1$`, 'm'));
});
