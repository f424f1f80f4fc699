/**
 * The in-namespace half of the dataplane benchmark (started by dataplane.ts under
 * `ip netns exec`): creates the VTEP with the netlink executor, applies the plan for N remotes
 * and times it, then times a resync (observe + plan) of the unchanged table. argv[2] is JSON
 * `WorkerInput`; prints one JSON line `WorkerOutput`.
 */
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { NetlinkExecutor, plan, type KernelState, type Op, type VtepSpec } from '@trellis/vxlan-agent';

export interface WorkerInput {
  readonly n: number;
  readonly vtep: VtepSpec;
}

export interface WorkerOutput {
  readonly vtepMs: number;
  /** Ops in the initial plan (3N when the namespace is fresh). */
  readonly ops: number;
  /** observe() + plan() before the first apply. */
  readonly planMs: number;
  /** First op to last ack (ApplyResult.durationMs). */
  readonly applyMs: number;
  readonly errors: number;
  readonly skipped: number;
  readonly firstError?: string;
  readonly resyncOps: number;
  readonly resyncObserveMs: number;
  readonly resyncPlanMs: number;
  readonly observed: { readonly neighbors: number; readonly fdb: number; readonly routes: number };
  readonly needsResync: boolean;
}

/** One remote agent, numbered from 1. */
export interface Remote {
  readonly vtepIp: string;
  readonly vtepMac: string;
  readonly underlayIp: string;
  readonly subnet: string;
}

function quad(value: number): string {
  return [24, 16, 8, 0].map((s) => (value >>> s) & 0xff).join('.');
}

const hex = (b: number): string => b.toString(16).padStart(2, '0');

/** Remote i: VTEP IP 44.0.0.1 + i, MAC 70:b3:d5 + 24 bits of i, underlay 10.1.x.y, subnet 9.x.y.0/24. */
export function remote(i: number): Remote {
  return {
    vtepIp: quad(((44 << 24) >>> 0) + 1 + i),
    vtepMac: `70:b3:d5:${hex((i >>> 16) & 0xff)}:${hex((i >>> 8) & 0xff)}:${hex(i & 0xff)}`,
    underlayIp: quad(((10 << 24) | (1 << 16)) + i),
    subnet: `9.${(i >>> 8) & 0xff}.${i & 0xff}.0/24`,
  };
}

export function remotes(n: number): Remote[] {
  return Array.from({ length: n }, (_, k) => remote(k + 1));
}

export function desired(n: number, vtep: VtepSpec): KernelState {
  const dev = vtep.name;
  const rs = remotes(n);
  return {
    vteps: [vtep],
    bridges: [],
    neighbors: rs.map((r) => ({ dev, ip: r.vtepIp, mac: r.vtepMac })),
    fdb: rs.map((r) => ({ dev, mac: r.vtepMac, dst: r.underlayIp })),
    routes: rs.map((r) => ({ dst: r.subnet, gateway: r.vtepIp, dev })),
  };
}

async function main(input: WorkerInput): Promise<WorkerOutput> {
  const ex = await NetlinkExecutor.open({ requestTimeoutMs: 5000 });
  try {
    const devNames = { vteps: [input.vtep.name], bridges: [] };
    const t0 = performance.now();
    const vtepOp: Op = { op: 'put', object: { kind: 'vtep', spec: input.vtep } };
    const created = await ex.apply([vtepOp]);
    if (created.errors.length > 0) throw created.errors[0]!.error;
    const vtepMs = performance.now() - t0;

    const want = desired(input.n, input.vtep);
    const p0 = performance.now();
    const ops = plan(want, await ex.observe(devNames));
    const planMs = performance.now() - p0;
    const result = await ex.apply(ops);

    const r0 = performance.now();
    const observed = await ex.observe(devNames);
    const r1 = performance.now();
    const again = plan(want, observed);
    const r2 = performance.now();
    const firstError = result.errors[0]?.error.message;
    return {
      vtepMs,
      ops: ops.length,
      planMs,
      applyMs: result.durationMs,
      errors: result.errors.length,
      skipped: result.skipped.length,
      ...(firstError === undefined ? {} : { firstError }),
      resyncOps: again.length,
      resyncObserveMs: r1 - r0,
      resyncPlanMs: r2 - r1,
      observed: {
        neighbors: observed.neighbors.length,
        fdb: observed.fdb.length,
        routes: observed.routes.length,
      },
      needsResync: ex.needsResync,
    };
  } finally {
    ex.close();
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const out = await main(JSON.parse(process.argv[2] ?? '') as WorkerInput);
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ error: e instanceof Error ? e.message : String(e) })}\n`);
    process.exitCode = 1;
  }
}
