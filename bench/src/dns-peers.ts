/**
 * trellis's DNS server against dnsmasq, interleaved in one run, on the same names: a 10,000-task
 * table, the names clients ask (dns-workload.ts) written as a hosts file for dnsmasq with exactly
 * the addresses trellis answers. Two measurements per server and repetition:
 *
 * - throughput: `dnsperf` (a real client, Debian's package) for `--seconds` with 4 clients and
 *   100 queries outstanding, over UDP; queries per second, average latency, lost queries;
 * - latency: the raw dgram client of dns-client.ts (a worker thread), 64 in flight; p50 / p99.
 *
 * Then each ratio trellis/dnsmasq, with its spread over repetitions. A third server, `dgram-echo`,
 * is the ceiling: a node dgram socket that sends every query back with QR set (no DNS work at
 * all), so dgram-echo/dnsmasq is the most any one-threaded node server gets here. Every server
 * runs in a process of its own (dns-peer-server.ts), none on the bench's event loop; `--workers=1,2`
 * races trellis with each number of UDP receivers (`trellis-w2`: two), each beside the ceiling
 * with as many readers (`dgram-echo-w2`: the echo on one socket read by two processes). RRL is off in trellis (one
 * client at 100k queries/s is a flood to it); dnsmasq has none. dnsmasq runs in the foreground on
 * 127.0.0.1 only, answers only from the hosts file (`--local` makes it authoritative for the
 * zone, no upstream), and is stopped by its pid.
 * Usage: node bench/dist/src/dns-peers.js [--quick] [--seconds=N] [--reps=N] [--workers=1,2]
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskZone, parseDnsConfig } from '@trellis/dns';
import type { TaskEntry } from '@trellis/tasks';
import { percentile, runClient } from './dns-client.js';
import { ZONE, queryMix, taskTable, type QueryName } from './dns-workload.js';
import { appendResult } from './results.js';
import {
  type PeerProcess,
  freePort,
  missingTools,
  startDnsmasq,
  startPeerServer,
} from './dns-peer-processes.js';

type Impl = 'trellis' | `trellis-w${number}` | 'dnsmasq' | 'dgram-echo' | `dgram-echo-w${number}`;

interface Row {
  readonly impl: Impl;
  readonly rep: number;
  readonly qps: number;
  readonly avgMs: number;
  readonly lost: number;
  readonly p50: number;
  readonly p99: number;
}

/** The hosts file: every asked name with exactly the addresses trellis's zone holds for it. */
function hostsFile(entries: readonly TaskEntry[], names: readonly QueryName[]): string {
  const zone = TaskZone.build(entries, parseDnsConfig({ host: '127.0.0.1', port: 0 }));
  const lines = new Set<string>();
  for (const { name } of names) {
    const records = zone.lookup(name.slice(0, -(ZONE.length + 1)));
    for (const ip of [...(records?.a ?? []), ...(records?.aaaa ?? [])]) lines.add(`${ip} ${name}`);
  }
  return [...lines].join('\n') + '\n';
}

async function dnsperf(
  port: number,
  file: string,
  seconds: number,
): Promise<{ qps: number; avgMs: number; lost: number }> {
  const args = [
    '-s',
    '127.0.0.1',
    '-p',
    String(port),
    '-d',
    file,
    '-l',
    String(seconds),
    '-c',
    '4',
    '-q',
    '100',
  ];
  const child = spawn('dnsperf', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
  await new Promise((resolve) => child.once('close', resolve));
  clearTimeout(killer);
  const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? NaN);
  return {
    qps: Math.round(num(/Queries per second:\s+([\d.]+)/)),
    avgMs: num(/Average Latency \(s\):\s+([\d.]+)/) * 1000,
    lost: num(/Queries lost:\s+(\d+)/),
  };
}

async function measure(
  impl: Impl,
  rep: number,
  port: number,
  file: string,
  names: readonly QueryName[],
  o: Opts,
) {
  const perf = await dnsperf(port, file, o.seconds);
  const lat = await runClient({ port, queries: o.latencyQueries, window: 64, names });
  const sorted = lat.latenciesMs.slice(0, lat.completed).sort();
  const row: Row = {
    impl,
    rep,
    ...perf,
    p50: round(percentile(sorted, 50)),
    p99: round(percentile(sorted, 99)),
  };
  appendResult({
    scenario: 'dns-peers',
    run: o.runId,
    n: 10_000,
    ms: { p50: row.p50, p99: row.p99 },
    ...row,
  });
  console.log(
    `${impl.padEnd(8)} rep ${rep}: ${String(row.qps).padStart(7)} q/s (dnsperf, avg ${row.avgMs.toFixed(2)} ms, lost ${row.lost}); ` +
      `p50 ${row.p50} ms, p99 ${row.p99} ms (64 in flight)`,
  );
  return row;
}

interface Opts {
  readonly seconds: number;
  readonly reps: number;
  readonly latencyQueries: number;
  readonly runId: string;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const arg = (n: string) => process.argv.find((a) => a.startsWith(`--${n}=`))?.split('=')[1];
  const o: Opts = {
    seconds: Number(arg('seconds')) || (quick ? 5 : 15),
    reps: Number(arg('reps')) || (quick ? 1 : 3),
    latencyQueries: quick ? 50_000 : 200_000,
    runId: new Date().toISOString(),
  };
  const workerCounts = (arg('workers') ?? '1').split(',').map(Number);
  const missing = missingTools();
  if (missing.includes('dnsperf')) {
    console.log(`dnsperf is missing (apt-get install dnsperf): nothing to measure with`);
    return;
  }
  const entries = taskTable();
  const names = queryMix(entries);
  const dir = mkdtempSync(join(tmpdir(), 'trellis-dns-peers-'));
  const servers = new Map<Impl, PeerProcess>();
  try {
    const file = join(dir, 'queries');
    writeFileSync(file, names.map((q) => `${q.name} ${q.type}`).join('\n') + '\n');
    writeFileSync(join(dir, 'hosts'), hostsFile(entries, names));
    for (const w of workerCounts) servers.set(trellisImpl(w), await startPeerServer('trellis', w));
    for (const w of workerCounts) servers.set(echoImpl(w), await startPeerServer('dgram-echo', w));
    if (missing.includes('dnsmasq'))
      console.log('dnsmasq is missing (apt-get install dnsmasq-base): trellis alone');
    else servers.set('dnsmasq', await startDnsmasq(dir, await freePort()));
    console.log(
      `${entries.length} tasks, ${names.length} names asked (5% NXDOMAIN, 10% AAAA); dnsperf ${o.seconds} s x ${o.reps}, interleaved; run ${o.runId}; ` +
        `load average ${loadavg()
          .map((l) => l.toFixed(2))
          .join(' ')}`,
    );
    const rows: Row[] = [];
    const impls = [...servers.keys()];
    for (let rep = 1; rep <= o.reps; rep++) {
      // Rotate who goes first, so no server always runs on a warmer (or hotter) machine.
      const order = impls.map((_, i) => impls[(i + rep - 1) % impls.length]!);
      for (const impl of order) rows.push(await measure(impl, rep, servers.get(impl)!.port, file, names, o));
    }
    if (servers.has('dnsmasq')) report(rows, workerCounts);
    console.log(
      `load average at the end ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}`,
    );
  } finally {
    await Promise.all([...servers.values()].map((s) => s.stop()));
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `trellis` is the default single-thread server; `trellis-wN` the one with N UDP worker processes. */
function trellisImpl(workers: number): Impl {
  return workers === 1 ? 'trellis' : `trellis-w${workers}`;
}

/** The ceiling beside `trellisImpl(workers)`: as many node readers doing no DNS work at all. */
function echoImpl(workers: number): Impl {
  return workers === 1 ? 'dgram-echo' : `dgram-echo-w${workers}`;
}

/** Per repetition each trellis/dnsmasq (and its ceiling, dgram-echo/dnsmasq), then the median and the spread. */
function report(rows: readonly Row[], workerCounts: readonly number[]): void {
  const reps = [...new Set(rows.map((r) => r.rep))];
  const row = (impl: Impl, rep: number) => rows.find((r) => r.rep === rep && r.impl === impl)!;
  const show = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    const median = v[Math.floor(v.length / 2)]!;
    return `${median.toFixed(2)} (${v[0]!.toFixed(2)}-${v[v.length - 1]!.toFixed(2)})`;
  };
  for (const w of workerCounts) {
    const t = trellisImpl(w);
    const e = echoImpl(w);
    const qps = reps.map((rep) => row(t, rep).qps / row('dnsmasq', rep).qps);
    const p99 = reps.map((rep) => row(t, rep).p99 / row('dnsmasq', rep).p99);
    const echo = reps.map((rep) => row(e, rep).qps / row('dnsmasq', rep).qps);
    console.log(`ratio ${t}/dnsmasq: queries/s ${show(qps)} (target >= 1.00)`);
    console.log(`ratio ${t}/dnsmasq: p99 latency ${show(p99)} (target <= 1.00)`);
    console.log(`ceiling ${e}/dnsmasq: queries/s ${show(echo)} (${w} node reader(s), no DNS work at all)`);
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

await main();
