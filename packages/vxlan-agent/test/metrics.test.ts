import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import test from 'ava';
import { agentNode } from './fixtures/agent-node.js';
import { DnsServer } from '@trellis/dns';
import { createMetrics } from '../src/metrics.js';
import { plan } from '../src/planner/plan.js';
import { PlannerWarnings } from '../src/planner-warnings.js';
import { Reconciler } from '../src/reconciler.js';
import { HttpStats } from '../src/http/http-stats.js';
import { VirtualScheduler } from './fixtures/virtual-scheduler.js';

const empty = { vteps: [], bridges: [], neighbors: [], fdb: [], routes: [] };

function idleReconciler(): Reconciler {
  return new Reconciler({
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
}

/** A DNS query for `name`, type A, class IN, with id `id`. */
function query(id: number, name: string): Buffer {
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  const header = Buffer.from([id >> 8, id & 0xff, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  return Buffer.concat([header, ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (const deadline = Date.now() + 10_000; !check(); await new Promise((r) => setTimeout(r, 20)))
    if (Date.now() > deadline) throw new Error(`not within 10 s: ${what}`);
}

test('the registry has the node, reconciler, DNS and API families, read at scrape time', async (t) => {
  const node = await agentNode('m');
  t.teardown(() => node.close());
  const reconciler = idleReconciler();
  const http = new HttpStats();
  const dns = new DnsServer({ host: '127.0.0.1', port: 0 });
  const registry = createMetrics({ node, reconciler, dns, http });
  http.requests.tcp = 3;
  http.reject('wrongHost');
  http.connections.socket = 2;
  await reconciler.runOnce();
  const text = await registry.metrics();
  for (const family of [
    'trellis_members',
    'trellis_reconcile_passes_total 1',
    'trellis_dns_queries_total',
    'trellis_dns_limited_total 0',
    'trellis_dns_slipped_total 0',
    'trellis_dns_tcp_connections',
  ])
    t.true(text.includes(family), family);
  t.regex(text, /trellis_http_requests_total\{listener="tcp"\} 3/);
  t.regex(text, /trellis_http_rejected_total\{reason="wrongHost"\} 1/);
  t.regex(text, /trellis_http_connections\{listener="socket"\} 2/);
});

test('DNS rate limiting (limited, slipped) and refused TCP clients are exported', async (t) => {
  const node = await agentNode('m');
  t.teardown(() => node.close());
  const dns = new DnsServer({
    host: '127.0.0.1',
    port: 0,
    rrlResponsesPerSecond: 1,
    tcpConnectionsPerClientMax: 1,
  });
  const { port } = await dns.start();
  t.teardown(() => dns.close());
  const registry = createMetrics({ node, reconciler: idleReconciler(), dns });

  const udp = createSocket('udp4');
  t.teardown(() => udp.close());
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  for (let id = 0; id < 20; id++) udp.send(query(id, 'nope.dcos.thisdcos.directory'), port, '127.0.0.1');
  const tcp: Socket[] = [];
  t.teardown(() => tcp.forEach((s) => s.destroy()));
  for (let i = 0; i < 3; i++) {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => {}); // the refused ones are reset
    tcp.push(s);
  }
  await until(() => dns.stats().queriesUdp === 20, '20 UDP queries received');
  await until(() => (dns.stats().socket['tcp-client-limit'] ?? 0) === 2, '2 TCP connections refused');

  const stats = dns.stats();
  t.true(stats.limited >= 10, `${stats.limited} limited`); // 1 a second: the burst is over the rate
  t.true(stats.slipped >= 1 && stats.slipped < stats.limited, `${stats.slipped} slipped`);
  const text = await registry.metrics();
  t.regex(text, new RegExp(`^trellis_dns_limited_total ${stats.limited}$`, 'm'));
  t.regex(text, new RegExp(`^trellis_dns_slipped_total ${stats.slipped}$`, 'm'));
  t.regex(text, /^trellis_dns_socket_events_total\{event="tcp-client-limit"\} 2$/m);
});

test('planner warnings: in force by type and reason, and raised once each', async (t) => {
  const node = await agentNode('m');
  t.teardown(() => node.close());
  const warnings = new PlannerWarnings();
  const registry = createMetrics({ node, reconciler: idleReconciler(), warnings });
  const w = (owner: string, reason: 'duplicateVtepMac' | 'sameVtepIpAsLocal') =>
    ({ type: 'remoteSkipped', overlay: 'dcos', owner, slice: 3, reason, keptOwner: 'agent-a' }) as const;
  t.false((await registry.metrics()).includes('trellis_planner_warnings{'), 'no series before any warning');
  for (let pass = 0; pass < 5; pass++)
    warnings.update([w('agent-b', 'duplicateVtepMac'), w('agent-c', 'duplicateVtepMac')]);
  warnings.update([w('agent-c', 'duplicateVtepMac'), w('agent-d', 'sameVtepIpAsLocal')]);
  const text = await registry.metrics();
  t.regex(text, /^trellis_planner_warnings\{type="remoteSkipped",reason="duplicateVtepMac"\} 1$/m);
  t.regex(text, /^trellis_planner_warnings\{type="remoteSkipped",reason="sameVtepIpAsLocal"\} 1$/m);
  t.regex(
    text,
    /^trellis_planner_warnings_raised_total\{type="remoteSkipped",reason="duplicateVtepMac"\} 2$/m,
  );
  t.regex(
    text,
    /^trellis_planner_warnings_raised_total\{type="remoteSkipped",reason="sameVtepIpAsLocal"\} 1$/m,
  );
  warnings.update([]);
  t.regex(
    await registry.metrics(),
    /^trellis_planner_warnings\{type="remoteSkipped",reason="duplicateVtepMac"\} 0$/m,
  );
});
