/**
 * Dataplane benchmark: how fast the netlink executor writes the VXLAN state of N remote agents
 * (neighbor + FDB entry + route each: 3N objects), beside iproute2's `ip -batch` + `bridge -batch`
 * and a Go program making one vishvananda/netlink call per object (flannel, Docker's overlay
 * driver), and what a resync of the unchanged table costs. Per size and repetition the three run
 * one after the other, in an order rotated each repetition; every row goes to bench/results with
 * this invocation's run id, and the ratios come from this run's rows only.
 *
 * Root only. Everything happens in throwaway network namespaces `trl-bench-<random>` (a veth
 * underlay whose peer sits in a second namespace); the root namespace is never changed, no
 * traffic leaves the namespaces, and every namespace is deleted at exit, even on failure or
 * SIGINT. Usage: node bench/dist/src/dataplane.js [--reps=N] [N ...]   (default 3 reps of
 * 1000 5000 10000)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { destroy, progress } from './dataplane-hosts.js';
import { buildGoPeer, goRun } from './dataplane-go.js';
import { iprouteRun } from './dataplane-iproute.js';
import { table, verdict, type DataplaneRow, type Impl } from './dataplane-report.js';
import { killWorker, trellisRun } from './dataplane-trellis.js';
import { appendResult } from './results.js';

const tmp = mkdtempSync(join(tmpdir(), 'trellis-bench-dataplane-'));

function cleanupAll(): void {
  killWorker();
  destroy();
  rmSync(tmp, { recursive: true, force: true });
}

type Base = Pick<DataplaneRow, 'bench' | 'scenario' | 'run' | 'rep' | 'n' | 'objects'>;

function row(base: Base, impl: Impl, ms: number, verified: boolean, rest: object): DataplaneRow {
  const loadavg1m = Number(loadavg()[0]!.toFixed(2));
  return { ...base, impl, ms, objectsPerSec: base.objects / (ms / 1000), verified, loadavg1m, ...rest };
}

async function measure(impl: Impl, base: Base, goBinary: string | undefined): Promise<DataplaneRow> {
  const n = base.n;
  if (impl === 'iproute2') {
    const ip = iprouteRun(n, tmp);
    const rest = { ipBatchMs: ip.ipMs, bridgeBatchMs: ip.bridgeMs, kernel: ip.kernel };
    return row(base, impl, ip.ipMs + ip.bridgeMs, ip.verified, rest);
  }
  const r = impl === 'trellis' ? await trellisRun(n) : await goRun(goBinary!, n);
  const o = r.out;
  const resync = { ops: o.resyncOps, observeMs: o.resyncObserveMs, planMs: o.resyncPlanMs };
  const rest = {
    vtepCreateMs: o.vtepMs,
    ops: o.ops,
    errors: o.errors,
    skipped: o.skipped,
    needsResync: o.needsResync,
    kernel: r.kernel,
    observed: o.observed,
    resync,
    ...('mode' in o ? { mode: o.mode } : {}),
  };
  return row(base, impl, o.applyMs, r.verified && o.resyncOps === 0, rest);
}

function parseArgs(argv: readonly string[]): { sizes: number[]; reps: number } | string {
  const repsArg = argv.find((a) => a.startsWith('--reps='));
  const reps = repsArg === undefined ? 3 : Number(repsArg.slice('--reps='.length));
  const nums = argv.filter((a) => !a.startsWith('--')).map(Number);
  const sizes = nums.length > 0 ? nums : [1_000, 5_000, 10_000];
  if (!Number.isInteger(reps) || reps < 1 || reps > 20) return 'usage: --reps=N with 1 <= N <= 20';
  if (sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 60_000))
    return 'usage: dataplane.js [--reps=N] [N ...] with 1 <= N <= 60000';
  return { sizes, reps };
}

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('dataplane bench needs root (it creates network namespaces)\n');
    return 2;
  }
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    process.stderr.write(`${args}\n`);
    return 2;
  }
  const go = await buildGoPeer();
  if (!go.ok) progress(`vishvananda/netlink peer left out: ${go.reason}; install: ${go.install}`);
  else progress(`vishvananda/netlink peer built with ${go.goVersion}`);
  const impls: Impl[] = go.ok ? ['trellis', 'iproute2', 'vishvananda'] : ['trellis', 'iproute2'];
  const run = new Date().toISOString();
  progress(`run ${run}: ${args.reps} reps of N = ${args.sizes.join(', ')}; load ${loadavg()[0]!.toFixed(2)}`);
  const rows: DataplaneRow[] = [];
  for (const n of args.sizes) {
    for (let rep = 1; rep <= args.reps; rep++) {
      const order = impls.map((_, i) => impls[(i + rep - 1) % impls.length]!);
      for (const impl of order) {
        const base: Base = { bench: 'dataplane', scenario: 'write', run, rep, n, objects: 3 * n };
        const r = await measure(impl, base, go.ok ? go.binary : undefined);
        appendResult(r);
        rows.push(r);
        progress(`N=${n} rep ${rep}: ${impl} ${Math.round(r.objectsPerSec)} obj/s (load ${r.loadavg1m})`);
      }
    }
  }
  process.stdout.write(
    `\nrun ${run}\n${table(rows, args.sizes)}\n\n${verdict(rows, args.sizes).join('\n')}\n`,
  );
  if (!go.ok)
    process.stdout.write(`vishvananda/netlink not measured: ${go.reason}; install: ${go.install}\n`);
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
