import { Counter, Gauge, Registry } from 'prom-client';
import type { AgentNode } from './agent-node.js';
import type { DockerStats } from './docker/docker-stats.js';
import type { DnsServer } from '@trellis/dns';
import type { HttpStats } from './http/http-stats.js';
import type { PlannerWarnings } from './planner-warnings.js';
import type { Reconciler } from './reconciler.js';
import type { CniService } from './cni/cni-service.js';
import { cniMetrics } from './cni/cni-metrics.js';

/** What the metrics read; the optional sources add their families when present. */
export interface MetricsSources {
  readonly node: AgentNode;
  readonly reconciler: Reconciler;
  readonly warnings?: PlannerWarnings;
  readonly dns?: Pick<DnsServer, 'stats'>;
  readonly http?: HttpStats;
  readonly docker?: { readonly stats: DockerStats };
  readonly cni?: CniService;
}

/**
 * Prometheus metrics, read from the node's, the reconciler's, the planner's, the DNS server's
 * and the API's own counters at scrape time (no second bookkeeping to drift).
 */
export function createMetrics(sources: MetricsSources): Registry {
  const { node, reconciler, warnings, dns, http, docker, cni } = sources;
  const registry = new Registry();
  const { gauge, counter } = instruments(registry);
  gauge('trellis_members', 'Members by status', ['status'], (g) => {
    for (const [status, n] of Object.entries(node.stats().members)) g.set({ status }, n);
  });
  counter('trellis_packets_total', 'UDP packets', ['direction'], () => ({
    in: node.stats().packetsIn,
    out: node.stats().packetsOut,
  }));
  counter('trellis_bytes_total', 'Bytes sent and received', ['direction'], () => ({
    in: node.stats().bytesIn,
    out: node.stats().bytesOut,
  }));
  counter('trellis_dropped_total', 'Peer input dropped, by reason', ['reason'], () => node.stats().rejected);
  counter('trellis_probes_total', 'Failure-detector probes', [], () => node.stats().swim.probes);
  counter('trellis_suspicions_total', 'Suspicions raised', [], () => node.stats().swim.suspicionsRaised);
  counter(
    'trellis_refutations_total',
    'Refutations of suspicions about us',
    [],
    () => node.stats().swim.refutations,
  );
  gauge('trellis_awareness', 'Local health score (0 is healthy)', [], (g) => g.set(node.stats().awareness));
  gauge('trellis_route_records', 'Route records held (all overlays)', [], (g) =>
    g.set(node.stores.routes.stats().records),
  );
  gauge('trellis_routes', 'Routes in the converged table', ['overlay'], (g) => {
    for (const o of node.stores.routes.overlays)
      g.set({ overlay: o.name }, node.stores.routes.table(o.name).length);
  });
  gauge('trellis_tasks', 'Tasks in the converged view, and those this agent publishes', ['scope'], (g) => {
    const st = node.stores.tasks.stats();
    g.set({ scope: 'visible' }, st.visible);
    g.set({ scope: 'local' }, st.local);
  });
  counter(
    'trellis_task_records_rejected_total',
    'Task records dropped, by reason',
    ['reason'],
    () => node.stores.tasks.stats().rejected,
  );
  counter(
    'trellis_slices_exhausted_total',
    'Times no slice was free',
    [],
    () => node.stores.routes.stats().exhausted,
  );
  reconcilerMetrics(registry, reconciler);
  if (warnings !== undefined) plannerMetrics(registry, warnings);
  if (dns !== undefined) dnsMetrics(registry, dns);
  if (http !== undefined) httpMetrics(registry, http);
  if (docker !== undefined) dockerMetrics(registry, docker.stats);
  if (cni !== undefined) cniMetrics(instruments(registry), cni);
  return registry;
}

function numbers(r: Partial<Record<string, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(r).filter((e): e is [string, number] => e[1] !== undefined));
}

export type Instruments = ReturnType<typeof instruments>;

function dockerMetrics(registry: Registry, d: DockerStats): void {
  const { gauge, counter }: Instruments = instruments(registry);
  gauge('trellis_docker_up', 'The Docker daemon answered the last sync (1) or not (0)', [], (g) =>
    g.set(d.up ? 1 : 0),
  );
  counter(
    'trellis_docker_errors_total',
    'Docker syncs that failed (daemon down, refused calls)',
    [],
    () => d.errors,
  );
  counter('trellis_docker_networks_total', 'Docker networks created and removed', ['change'], () => ({
    created: d.networksCreated,
    removed: d.networksRemoved,
    busy: d.networksBusy,
    unsupported: d.networksUnsupported,
  }));
  counter('trellis_docker_tasks_total', 'Container tasks published and withdrawn', ['change'], () => ({
    published: d.tasksPublished,
    withdrawn: d.tasksWithdrawn,
  }));
}

/** Gauges and counters that read their values at scrape time. */
export function instruments(registry: Registry) {
  const gauge = (name: string, help: string, labelNames: string[], collect: (g: Gauge) => void) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        collect(this);
      },
    });
  const counter = (
    name: string,
    help: string,
    labelNames: string[],
    read: () => Record<string, number> | number,
  ) =>
    new Counter({
      name,
      help,
      labelNames,
      registers: [registry],
      collect() {
        this.reset();
        const v = read();
        if (typeof v === 'number') this.inc(v);
        else for (const [k, n] of Object.entries(v)) this.inc({ [labelNames[0]!]: k }, n);
      },
    });
  return { gauge, counter };
}

function reconcilerMetrics(registry: Registry, reconciler: Reconciler): void {
  const { gauge, counter }: Instruments = instruments(registry);
  counter(
    'trellis_kernel_ops_total',
    'Kernel operations applied, by kind',
    ['kind'],
    () => reconciler.stats.opsApplied,
  );
  counter('trellis_reconcile_errors_total', 'Failed reconcile passes', [], () => reconciler.stats.errors);
  counter('trellis_reconcile_passes_total', 'Reconcile passes', [], () => reconciler.stats.passes);
  gauge('trellis_reconcile_duration_seconds', 'Duration of the last reconcile pass', [], (g) =>
    g.set(reconciler.stats.lastDurationMs / 1000),
  );
  gauge('trellis_kernel_objects_owned', 'Kernel objects the agent owns', [], (g) =>
    g.set(reconciler.stats.objectsOwned),
  );
}

/** Two labels (type, reason), so not through `instruments`. */
function plannerMetrics(registry: Registry, warnings: PlannerWarnings): void {
  const labelNames = ['type', 'reason'];
  new Gauge({
    name: 'trellis_planner_warnings',
    help: 'Planner warnings in force (remote routes skipped: address collisions), by type and reason',
    labelNames,
    registers: [registry],
    collect() {
      for (const c of warnings.counts()) this.set({ type: c.type, reason: c.reason }, c.inForce);
    },
  });
  new Counter({
    name: 'trellis_planner_warnings_raised_total',
    help: 'Planner warnings raised (each counted once, when it appears), by type and reason',
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const c of warnings.counts()) this.inc({ type: c.type, reason: c.reason }, c.raised);
    },
  });
}

function dnsMetrics(registry: Registry, dns: Pick<DnsServer, 'stats'>): void {
  const { gauge, counter }: Instruments = instruments(registry);
  counter('trellis_dns_queries_total', 'DNS queries received', ['transport'], () => ({
    udp: dns.stats().queriesUdp,
    tcp: dns.stats().queriesTcp,
  }));
  counter(
    'trellis_dns_answers_total',
    'DNS answers from the zone, by kind',
    ['kind'],
    () => dns.stats().answers,
  );
  counter('trellis_dns_errors_total', 'DNS error responses, by reason', ['reason'], () =>
    numbers(dns.stats().errors),
  );
  counter('trellis_dns_dropped_total', 'DNS messages not answered, by reason', ['reason'], () =>
    numbers(dns.stats().drops),
  );
  counter(
    'trellis_dns_truncated_total',
    'Responses sent with TC set: answers left out to fit (UDP size, or 64 KiB over TCP)',
    [],
    () => dns.stats().truncated,
  );
  counter(
    'trellis_dns_limited_total',
    'UDP responses over the rate limit (dropped, or slipped as an empty TC answer)',
    [],
    () => dns.stats().limited,
  );
  counter(
    'trellis_dns_slipped_total',
    'Limited UDP responses sent as an empty TC answer instead of dropped',
    [],
    () => dns.stats().slipped,
  );
  counter(
    'trellis_dns_socket_events_total',
    'DNS socket events (errors, refused and closed TCP connections), by event',
    ['event'],
    () => numbers(dns.stats().socket),
  );
  gauge('trellis_dns_tcp_connections', 'Open DNS TCP connections', [], (g) =>
    g.set(dns.stats().tcpConnectionsActive),
  );
}

function httpMetrics(registry: Registry, http: HttpStats): void {
  const { gauge, counter }: Instruments = instruments(registry);
  counter('trellis_http_requests_total', 'API requests, by listener', ['listener'], () => ({
    ...http.requests,
  }));
  counter(
    'trellis_http_rejected_total',
    'API requests and connections refused, by reason',
    ['reason'],
    () => ({
      ...http.rejected,
    }),
  );
  gauge('trellis_http_connections', 'Open API connections, by listener', ['listener'], (g) => {
    for (const [listener, n] of Object.entries(http.connections)) g.set({ listener }, n);
  });
}
