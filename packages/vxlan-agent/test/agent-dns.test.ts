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
