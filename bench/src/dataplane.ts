/**
 * Dataplane benchmark: how fast the netlink executor writes the VXLAN state of N remote agents
 * (neighbor + FDB entry + route each: 3N objects), against iproute2's `ip -batch` and
 * `bridge -batch` writing the same objects, and what a resync of the unchanged table costs.
 *
 * Root only. Everything happens in throwaway network namespaces `trl-bench-<random>` (a veth
 * underlay whose peer sits in a second namespace); the root namespace is never changed, no
 * traffic leaves the namespaces, and every namespace is deleted at exit, even on failure or
 * SIGINT. Usage: node bench/dist/src/dataplane.js [N ...]   (default 1000 5000 10000)
 */
import { execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  checkCounts,
  createHost,
  destroy,
  kernelCounts,
  progress,
  vtep,
  type Counts,
} from './dataplane-hosts.js';
import { iprouteRun } from './dataplane-iproute.js';
import type { WorkerInput, WorkerOutput } from './dataplane-worker.js';

const workerPath = fileURLToPath(new URL('./dataplane-worker.js', import.meta.url));
/** The worker running inside a namespace, killed on SIGINT/SIGTERM. */
let worker: ChildProcess | undefined;
const tmp = mkdtempSync(join(tmpdir(), 'trellis-bench-dataplane-'));

function cleanupAll(): void {
  if (worker !== undefined && worker.exitCode === null) worker.kill('SIGKILL');
  destroy();
  rmSync(tmp, { recursive: true, force: true });
}

function runWorker(ns: string, input: WorkerInput): Promise<WorkerOutput> {
  return new Promise((resolve, reject) => {
    worker = execFile(
      'ip',
      ['netns', 'exec', ns, process.execPath, workerPath, JSON.stringify(input)],
      { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
      (error, stdout, stderr) => {
        let out: (WorkerOutput & { error?: string }) | undefined;
        try {
          out = JSON.parse(stdout.trim()) as WorkerOutput & { error?: string };
        } catch {
          out = undefined;
        }
        if (out?.error !== undefined) reject(new Error(`worker: ${out.error}`));
        else if (error !== null || out === undefined)
          reject(new Error(`worker failed: ${stderr || (error?.message ?? 'no output')}`));
        else resolve(out);
      },
    );
  });
}

interface TrellisRun {
  readonly out: WorkerOutput;
  readonly kernel: Counts;
  readonly verified: boolean;
}

async function trellisRun(n: number): Promise<TrellisRun> {
  const ns = createHost();
  try {
    progress(`N=${n}: trellis executor in ${ns}`);
    const out = await runWorker(ns, { n, vtep });
    if (out.errors > 0 || out.skipped > 0) {
      progress(
        `N=${n}: executor reported ${out.errors} errors, ${out.skipped} skipped: ${out.firstError ?? ''}`,
      );
    }
    const kernel = kernelCounts(ns);
    const verified = checkCounts(`N=${n} trellis`, kernel, n) && out.ops === 3 * n && out.errors === 0;
    return { out, kernel, verified };
  } finally {
    destroy(ns);
  }
}

interface Row {
  readonly n: number;
  readonly objects: number;
  readonly trellisMs: number;
  readonly trellisObjPerSec: number;
  readonly iprouteMs: number;
  readonly iprouteObjPerSec: number;
  readonly ratio: number;
  readonly resyncOps: number;
  readonly resyncMs: number;
  readonly verified: boolean;
}

function fmt(x: number, digits = 0): string {
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

async function bench(n: number): Promise<Row> {
  const t = await trellisRun(n);
  const ip = iprouteRun(n, tmp);
  const objects = 3 * n;
  const iprouteMs = ip.ipMs + ip.bridgeMs;
  const trellisObjPerSec = objects / (t.out.applyMs / 1000);
  const iprouteObjPerSec = objects / (iprouteMs / 1000);
  const row: Row = {
    n,
    objects,
    trellisMs: t.out.applyMs,
    trellisObjPerSec,
    iprouteMs,
    iprouteObjPerSec,
    ratio: trellisObjPerSec / iprouteObjPerSec,
    resyncOps: t.out.resyncOps,
    resyncMs: t.out.resyncObserveMs + t.out.resyncPlanMs,
    verified: t.verified && ip.verified && t.out.resyncOps === 0,
  };
  const line = {
    bench: 'dataplane',
    n,
    objects,
    trellis: {
      vtepCreateMs: t.out.vtepMs,
      initialObservePlanMs: t.out.planMs,
      ops: t.out.ops,
      applyMs: t.out.applyMs,
      objectsPerSec: trellisObjPerSec,
      errors: t.out.errors,
      skipped: t.out.skipped,
      needsResync: t.out.needsResync,
      kernel: t.kernel,
    },
    iproute2: {
      ipBatchMs: ip.ipMs,
      bridgeBatchMs: ip.bridgeMs,
      objectsPerSec: iprouteObjPerSec,
      kernel: ip.kernel,
    },
    ratio: row.ratio,
    resync: {
      ops: t.out.resyncOps,
      observeMs: t.out.resyncObserveMs,
      planMs: t.out.resyncPlanMs,
      observed: t.out.observed,
    },
    verified: row.verified,
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
  progress(
    `N=${n}: trellis ${fmt(trellisObjPerSec)} obj/s, iproute2 ${fmt(iprouteObjPerSec)} obj/s, ` +
      `resync ${row.resyncOps} ops in ${fmt(row.resyncMs, 1)} ms`,
  );
  return row;
}

function table(rows: readonly Row[]): string {
  const head = [
    'N',
    'objects',
    'trellis ms',
    'trellis obj/s',
    'iproute2 ms',
    'iproute2 obj/s',
    'trellis/iproute2',
    'resync ops',
    'resync ms',
    'verified',
  ];
  const body = rows.map((r) => [
    fmt(r.n),
    fmt(r.objects),
    fmt(r.trellisMs, 1),
    fmt(r.trellisObjPerSec),
    fmt(r.iprouteMs, 1),
    fmt(r.iprouteObjPerSec),
    `${r.ratio.toFixed(2)}x`,
    String(r.resyncOps),
    fmt(r.resyncMs, 1),
    r.verified ? 'yes' : 'NO',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function verdict(rows: readonly Row[]): string[] {
  const notes: string[] = [];
  for (const r of rows) {
    if (r.ratio < 1) {
      notes.push(
        `N=${r.n}: the trellis executor is SLOWER than iproute2 ` +
          `(${fmt(r.trellisObjPerSec)} vs ${fmt(r.iprouteObjPerSec)} objects/s, ${(1 / r.ratio).toFixed(1)}x slower).`,
      );
    } else {
      notes.push(`N=${r.n}: the trellis executor is ${r.ratio.toFixed(2)}x as fast as iproute2.`);
    }
    if (r.resyncOps !== 0)
      notes.push(`N=${r.n}: resync of an unchanged table issued ${r.resyncOps} ops (target 0).`);
    if (!r.verified) notes.push(`N=${r.n}: counts did NOT verify; do not trust this row.`);
  }
  notes.push(
    'trellis time = first op to last ack inside one process (up to 64 requests of one kind in flight); ' +
      'iproute2 time = wall clock of `ip -batch` + `bridge -batch`, process start included.',
  );
  return notes;
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('dataplane bench needs root (it creates network namespaces)\n');
    return 2;
  }
  const args = process.argv.slice(2).map(Number);
  const sizes = args.length > 0 ? args : [1_000, 5_000, 10_000];
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 60_000)) {
    process.stderr.write('usage: dataplane.js [N ...] with 1 <= N <= 60000\n');
    return 2;
  }
  const rows: Row[] = [];
  for (const n of sizes) rows.push(await bench(n));
  process.stdout.write(`\n${table(rows)}\n\n${verdict(rows).join('\n')}\n`);
  return rows.every((r) => r.verified) ? 0 : 1;
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    progress(`${signal}: deleting namespaces`);
    cleanupAll();
    process.exit(130);
  });
}

try {
  process.exitCode = await main();
} catch (e) {
  progress(`failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
  process.exitCode = 1;
} finally {
  cleanupAll();
}
