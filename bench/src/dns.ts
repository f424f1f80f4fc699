/**
 * Virtual Network Service DNS under load: a DnsServer on 127.0.0.1 serving a 10,000-task table,
 * asked a fixed number of UDP queries with a fixed window in flight by a raw dgram client in a
 * worker thread (so the client does not share the server's event loop). Reports queries per
 * second, latency percentiles and the time to rebuild the zone from 10,000 tasks.
 * Usage: node bench/dist/src/dns.js [queries] [window]
 */
import { DnsServer, TaskZone, parseDnsConfig } from '@trellis/dns';
import { StoreTestbed } from '@trellis/store/testbed';
import { TaskStore, canonicalIp, type TaskEntry, type TaskWire } from '@trellis/tasks';
import { percentile, runClient, type ClientJob } from './dns-client.js';
import { SHARED_NAMES, TASKS_PER_SHARED_NAME, queryMix, taskTable } from './dns-workload.js';
import { appendResult } from './results.js';

function measureRebuild(entries: readonly TaskEntry[]): { medianMs: number; runs: number } {
  const settings = parseDnsConfig({ host: '127.0.0.1', port: 0 });
  TaskZone.build(entries, settings); // warm-up: JIT and string interning
  const times: number[] = [];
  for (let i = 0; i < 15; i++) {
    const start = performance.now();
    TaskZone.build(entries, settings, i + 2);
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return { medianMs: times[Math.floor(times.length / 2)]!, runs: times.length };
}

/**
 * The other half of a change's cost on every agent: one task record of 10,000 changes, the
 * store recomputes its view and lists it (what the agent hands the DNS server), then the zone
 * is rebuilt. Median of 15 changes.
 */
function measureStoreChange(entries: readonly TaskEntry[]): { viewMs: number; totalMs: number } {
  let now = 1_000_000;
  const bed = new StoreTestbed({ selfId: 'bench', generation: 1 });
  // Every agent is alive (at incarnation 1, the records' generation).
  for (const agent of new Set(entries.map((e) => e.agent))) bed.member(agent, 'alive', 1);
  const store = new TaskStore({ ctx: { ...bed.context('tasks'), now } });
  const wire = (e: TaskEntry, v: number): TaskWire => ({
    t: 'k',
    w: e.agent,
    i: e.id,
    g: 1,
    v,
    st: 0,
    n: e.name,
    f: e.framework,
    a: e.agentIp,
    // Records carry canonical address text (the table above writes fd01::0, not fd01::).
    nw: e.networks.map(
      (n) => [n.name, n.ipv4 ?? '', n.ipv6 === undefined ? '' : canonicalIp(n.ipv6, 6)!] as const,
    ),
  });
  for (const e of entries) store.handleRecord(now, 'peer', wire(e, 0));
  const settle = (): void => {
    now = store.pollTimeout() ?? now;
    store.handleTimeout(now);
  };
  settle();
  if (store.list().length !== entries.length) throw new Error(`store holds ${store.list().length} tasks`);
  const settings = parseDnsConfig({ host: '127.0.0.1', port: 0 });
  const view: number[] = [];
  const total: number[] = [];
  for (let i = 1; i <= 15; i++) {
    const start = performance.now();
    store.handleRecord(now, 'peer', wire(entries[i]!, i));
    settle();
    const list = store.list();
    view.push(performance.now() - start);
    TaskZone.build(list, settings, i + 1);
    total.push(performance.now() - start);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { viewMs: median(view), totalMs: median(total) };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2).map(Number);
  const queries = args[0] ?? 200_000;
  const window = args[1] ?? 64;
  const entries = taskTable();
  const rebuild = measureRebuild(entries);
  const change = measureStoreChange(entries);

  // RRL off: one client asking 2,000 names at tens of thousands of queries a second is, to the
  // rate limiter, a flood from one prefix (its cost per query is measured in the dns tests' log).
  const server = new DnsServer({ host: '127.0.0.1', port: 0, rrlResponsesPerSecond: 0 }, { entries });
  const { port } = await server.start();
  const job: ClientJob = { port, queries, window, names: queryMix(entries) };
  console.log(
    `method: DnsServer on 127.0.0.1:${port} serving ${entries.length} tasks (${server.zone.nameCount} names); ` +
      `${queries} UDP queries over ${job.names.length} names (5% NXDOMAIN, 10% AAAA, ${SHARED_NAMES} names of ` +
      `${TASKS_PER_SHARED_NAME} tasks answered TC), ${window} in flight, from a dgram client in a worker thread, ` +
      `response-rate limiting off; ` +
      `zone rebuild: median of ${rebuild.runs} builds of ${entries.length} tasks`,
  );
  const result = await runClient(job);
  await server.close();

  const sorted = result.latenciesMs.slice(0, result.completed).sort();
  const qps = Math.round(result.completed / (result.elapsedMs / 1000));
  const ms = {
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
    max: round(sorted[sorted.length - 1] ?? NaN),
  };
  const rebuildMs = round(rebuild.medianMs);
  console.log(
    `answered: ${result.completed}, lost: ${result.lost}, in ${(result.elapsedMs / 1000).toFixed(2)} s`,
  );
  console.log(`rcodes: ${JSON.stringify(result.rcodes)}, truncated: ${result.truncated}`);
  console.log(`throughput: ${qps} queries/s`);
  console.log(`latency ms: p50 ${ms.p50}  p90 ${ms.p90}  p99 ${ms.p99}  max ${ms.max}`);
  console.log(`zone rebuild (${entries.length} tasks): ${rebuildMs} ms`);
  console.log(
    `one task changes among ${entries.length}: store view recomputed and listed in ${round(change.viewMs)} ms, ` +
      `${round(change.totalMs)} ms with the zone rebuild (median of 15)`,
  );
  appendResult({
    impl: 'trellis',
    scenario: 'dns',
    tasks: entries.length,
    queries,
    window,
    qps,
    ms,
    rebuildMs,
    changeMs: { view: round(change.viewMs), withRebuild: round(change.totalMs) },
    lost: result.lost,
  });
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

await main();
