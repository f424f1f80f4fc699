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
 * is the ceiling: a node dgram socket in this process that sends every query back with QR set (no
 * DNS work at all), so dgram-echo/dnsmasq is the most any one-threaded node server gets here. RRL is off in trellis (one
 * client at 100k queries/s is a flood to it); dnsmasq has none. dnsmasq runs in the foreground on
 * 127.0.0.1 only, answers only from the hosts file (`--local` makes it authoritative for the
 * zone, no upstream), and is stopped by its pid.
 * Usage: node bench/dist/src/dns-peers.js [--quick] [--seconds=N] [--reps=N]
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DnsServer } from '@trellis/dns';
import { percentile, runClient } from './dns-client.js';
import { ZONE, queryMix, taskTable, type QueryName } from './dns-workload.js';
import { appendResult } from './results.js';

type Impl = 'trellis' | 'dnsmasq' | 'dgram-echo';

interface Row {
  readonly impl: Impl;
  readonly rep: number;
  readonly qps: number;
  readonly avgMs: number;
  readonly lost: number;
  readonly p50: number;
  readonly p99: number;
}

function missingTools(): string[] {
  const has = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
  return ['dnsperf', 'dnsmasq'].filter((c) => !has(c) && !has(`/usr/sbin/${c}`));
}

/** The hosts file: every asked name with exactly the addresses trellis's zone holds for it. */
function hostsFile(server: DnsServer, names: readonly QueryName[]): string {
  const lines = new Set<string>();
  for (const { name } of names) {
    const records = server.zone.lookup(name.slice(0, -(ZONE.length + 1)));
    for (const ip of [...(records?.a ?? []), ...(records?.aaaa ?? [])]) lines.add(`${ip} ${name}`);
  }
  return [...lines].join('\n') + '\n';
}

async function freePort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  const { port } = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

async function startDnsmasq(dir: string, port: number): Promise<ChildProcess> {
  const child = spawn(
    'dnsmasq',
    [
      '--keep-in-foreground',
      '--conf-file=/dev/null',
      `--port=${port}`,
      '--listen-address=127.0.0.1',
      '--bind-interfaces',
      '--no-resolv',
      '--no-hosts',
      `--addn-hosts=${join(dir, 'hosts')}`,
      `--local=/${ZONE}/`,
      '--pid-file=',
      '--user=root',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  await new Promise((r) => setTimeout(r, 500));
  if (child.exitCode !== null) throw new Error(`dnsmasq exited: ${stderr}`);
  return child;
}

/** Asynchronous: the trellis server answers from this process's event loop meanwhile. */
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
  const arg = (n: string) => Number(process.argv.find((a) => a.startsWith(`--${n}=`))?.split('=')[1]);
  const o: Opts = {
    seconds: arg('seconds') || (quick ? 5 : 15),
    reps: arg('reps') || (quick ? 1 : 3),
    latencyQueries: quick ? 50_000 : 200_000,
    runId: new Date().toISOString(),
  };
  const missing = missingTools();
  const entries = taskTable();
  const names = queryMix(entries);
  const server = new DnsServer({ host: '127.0.0.1', port: 0, rrlResponsesPerSecond: 0 }, { entries });
  const { port } = await server.start();
  const echo = await startEcho();
  const dir = mkdtempSync(join(tmpdir(), 'trellis-dns-peers-'));
  let dnsmasq: ChildProcess | undefined;
  try {
    const file = join(dir, 'queries');
    writeFileSync(file, names.map((q) => `${q.name} ${q.type}`).join('\n') + '\n');
    writeFileSync(join(dir, 'hosts'), hostsFile(server, names));
    if (missing.includes('dnsperf')) {
      console.log(`dnsperf is missing (apt-get install dnsperf): nothing to measure with`);
      return;
    }
    const peerPort = await freePort();
    if (missing.includes('dnsmasq'))
      console.log('dnsmasq is missing (apt-get install dnsmasq-base): trellis alone');
    else dnsmasq = await startDnsmasq(dir, peerPort);
    console.log(
      `${entries.length} tasks, ${names.length} names asked (5% NXDOMAIN, 10% AAAA); dnsperf ${o.seconds} s x ${o.reps}, interleaved`,
    );
    const rows: Row[] = [];
    const ports: Record<Impl, number> = { trellis: port, dnsmasq: peerPort, 'dgram-echo': echo.port };
    const impls: Impl[] = ['trellis', 'dnsmasq', 'dgram-echo'];
    for (let rep = 1; rep <= o.reps; rep++) {
      // Rotate who goes first, so no server always runs on a warmer (or hotter) machine.
      const order = impls.map((_, i) => impls[(i + rep - 1) % impls.length]!);
      for (const impl of order) {
        if (impl === 'dnsmasq' && dnsmasq === undefined) continue;
        rows.push(await measure(impl, rep, ports[impl], file, names, o));
      }
    }
    if (dnsmasq !== undefined) report(rows);
  } finally {
    dnsmasq?.kill('SIGTERM');
    echo.socket.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The ceiling: every datagram straight back with QR set, on this process's event loop. */
async function startEcho(): Promise<{ socket: ReturnType<typeof createSocket>; port: number }> {
  const socket = createSocket('udp4');
  socket.on('message', (m: Buffer, from) => {
    m[2]! |= 0x80;
    socket.send(m, from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return { socket, port: socket.address().port };
}

/** Per repetition trellis/dnsmasq (and the ceiling, dgram-echo/dnsmasq), then the median and the spread. */
function report(rows: readonly Row[]): void {
  const pairs = [...new Set(rows.map((r) => r.rep))].map((rep) => {
    const t = rows.find((r) => r.rep === rep && r.impl === 'trellis')!;
    const d = rows.find((r) => r.rep === rep && r.impl === 'dnsmasq')!;
    const e = rows.find((r) => r.rep === rep && r.impl === 'dgram-echo')!;
    return { qps: t.qps / d.qps, p99: t.p99 / d.p99, echo: e.qps / d.qps };
  });
  const show = (xs: number[]) => {
    const v = [...xs].sort((a, b) => a - b);
    const median = v[Math.floor(v.length / 2)]!;
    return `${median.toFixed(2)} (${v[0]!.toFixed(2)}-${v[v.length - 1]!.toFixed(2)})`;
  };
  console.log(`ratio trellis/dnsmasq: queries/s ${show(pairs.map((p) => p.qps))} (target >= 1.00)`);
  console.log(`ratio trellis/dnsmasq: p99 latency ${show(pairs.map((p) => p.p99))} (target <= 1.00)`);
  console.log(`ceiling dgram-echo/dnsmasq: queries/s ${show(pairs.map((p) => p.echo))} (no DNS work at all)`);
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

await main();
