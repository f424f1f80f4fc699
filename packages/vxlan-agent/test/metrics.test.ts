import test from 'ava';
import { agentNode } from './fixtures/agent-node.js';
import { DnsServer } from '@trellis/dns';
import { createMetrics } from '../src/metrics.js';
import { plan } from '../src/planner/plan.js';
import { Reconciler } from '../src/reconciler.js';
import { HttpStats } from '../src/http/http-stats.js';
import { VirtualScheduler } from './fixtures/virtual-scheduler.js';

test('the registry has the node, reconciler, DNS and API families, read at scrape time', async (t) => {
  const node = await agentNode('m');
  t.teardown(() => node.close());
  const empty = { vteps: [], bridges: [], neighbors: [], fdb: [], routes: [] };
  const reconciler = new Reconciler({
    executor: {
      needsResync: false,
      observe: () => Promise.resolve(empty),
      apply: () => Promise.resolve({ errors: [] }),
    },
    plan,
    intervalMs: 60_000,
    scheduler: new VirtualScheduler(),
    desired: () => ({ state: empty, warm: true }),
  });
  const http = new HttpStats();
  const registry = createMetrics(node, reconciler, new DnsServer({ host: '127.0.0.1', port: 0 }), http);
  http.requests.tcp = 3;
  http.reject('wrongHost');
  http.connections.socket = 2;
  await reconciler.runOnce();
  const text = await registry.metrics();
  for (const family of [
    'trellis_members',
    'trellis_reconcile_passes_total 1',
    'trellis_dns_queries_total',
    'trellis_dns_tcp_connections',
  ])
    t.true(text.includes(family), family);
  t.regex(text, /trellis_http_requests_total\{listener="tcp"\} 3/);
  t.regex(text, /trellis_http_rejected_total\{reason="wrongHost"\} 1/);
  t.regex(text, /trellis_http_connections\{listener="socket"\} 2/);
});
