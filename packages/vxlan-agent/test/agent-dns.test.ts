import test from 'ava';
import { inProcessAgent } from './fixtures/in-process-agent.js';

const overlays = [
  { name: 'dcos', subnet: '9.0.0.0/8' },
  { name: 'dcos6', subnet: '12.0.0.0/8', subnet6: 'fd01:b::/64', vni: 1025, vtepSubnet: '44.129.0.0/20' },
];

test('the agent exempts its overlays from DNS rate limiting: its containers share one slice', async (t) => {
  const { agent } = await inProcessAgent(t, { overlays, dns: { port: 0 } });
  t.deepEqual(agent.dns?.config.rrlExempt, ['9.0.0.0/8', '12.0.0.0/8', 'fd01:b::/64']);
  t.is(agent.dns?.config.host, '127.0.0.1', 'on the underlay IP');
});

test('a config that names rrlExempt keeps it, an empty list included', async (t) => {
  const { agent } = await inProcessAgent(t, { overlays, dns: { port: 0, rrlExempt: [] } });
  t.deepEqual(agent.dns?.config.rrlExempt, []);
});

test('dns.workers reaches the server: the agent runs that many UDP readers, and closing the server ends them', async (t) => {
  const { agent } = await inProcessAgent(t, { overlays, dns: { port: 0, workers: 2 } });
  t.is(agent.dns?.config.workers, 2);
  const reports = (await agent.dns?.workerReports()) ?? [];
  t.is(reports.length, 1, 'one worker process beside the agent thread');
  await agent.dns?.close();
  t.throws(() => process.kill(reports[0]!.pid, 0), { code: 'ESRCH' });
});
