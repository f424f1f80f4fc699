import { nameForms } from '@trellis/dns';
import { dnsLabel, type TaskEntry } from '@trellis/tasks';
import type { Registry } from 'prom-client';
import type { ApiSource, AgentStatus } from './api-source.js';

/** One task as the status page lists it: the entry and the names DNS serves it under. */
export type OverviewTask = TaskEntry & { readonly dnsNames: readonly string[] };

export interface OverviewCounter {
  readonly name: string;
  readonly labels: Readonly<Record<string, string | number | undefined>>;
  readonly value: number;
}

/** Everything the status page shows, read at one instant so that its parts agree. */
export interface Overview {
  readonly at: string;
  readonly status: AgentStatus;
  readonly members: readonly unknown[];
  readonly overlays: readonly unknown[];
  readonly routes: Readonly<Record<string, readonly unknown[]>>;
  readonly tasks: readonly OverviewTask[];
  /** The DNS zone, or null when the agent serves no DNS. */
  readonly dnsZone: string | null;
  readonly counters: readonly OverviewCounter[];
}

/**
 * The counters an operator looks at first: what was dropped and why, suspicions and refutations
 * (false positives show there), exhausted slices, kernel errors and warnings, DNS and API refusals.
 */
export const overviewCounters: readonly string[] = [
  'trellis_members',
  'trellis_awareness',
  'trellis_dropped_total',
  'trellis_suspicions_total',
  'trellis_refutations_total',
  'trellis_slices_exhausted_total',
  'trellis_task_records_rejected_total',
  'trellis_reconcile_errors_total',
  'trellis_kernel_objects_owned',
  'trellis_planner_warnings',
  'trellis_dns_queries_total',
  'trellis_dns_errors_total',
  'trellis_dns_dropped_total',
  'trellis_http_rejected_total',
];

/** The DNS names of a task, as `TaskZone` builds them (DC/OS's three forms). */
export function taskDnsNames(entry: TaskEntry, zone: string): string[] {
  const task = dnsLabel(entry.name);
  const framework = dnsLabel(entry.framework);
  if (task === '' || framework === '') return [];
  return nameForms.map((form) => `${task}.${framework}.${form}.${zone}`);
}

export async function readOverview(
  source: ApiSource,
  registry: Registry,
  dnsZone: string | undefined,
  now: Date,
): Promise<Overview> {
  const wanted = new Set(overviewCounters);
  const metrics = (await registry.getMetricsAsJSON()).filter((m) => wanted.has(m.name));
  const counters = metrics.flatMap((m) =>
    m.values.map((v) => ({ name: m.name, labels: { ...v.labels }, value: v.value })),
  );
  counters.sort((a, b) => overviewCounters.indexOf(a.name) - overviewCounters.indexOf(b.name));
  return {
    at: now.toISOString(),
    status: source.status(),
    members: source.members(),
    overlays: source.overlays(),
    routes: source.routes(),
    tasks: source
      .tasks(false)
      .map((e) => ({ ...e, dnsNames: dnsZone === undefined ? [] : taskDnsNames(e, dnsZone) })),
    dnsZone: dnsZone ?? null,
    counters,
  };
}
