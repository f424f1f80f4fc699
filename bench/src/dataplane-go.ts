/**
 * The dataplane benchmark's Go peer: `bench/peers/vishvananda/`, one vishvananda/netlink call per
 * object as flannel and Docker's overlay driver do, built once per invocation against Debian's
 * packaged sources in GOPATH mode (no module download). Missing Go or sources: the caller is told
 * what to install and runs without this peer.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createHost,
  destroy,
  kernelCounts,
  checkCounts,
  progress,
  vtep,
  type Counts,
} from './dataplane-hosts.js';
import { buildGoBinary, debianGopath, run, type GoBuild } from './go-build.js';
import type { WorkerOutput } from './dataplane-worker.js';

const sourceDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'peers', 'vishvananda');
const librarySources = join(debianGopath, 'src', 'github.com', 'vishvananda', 'netlink');
export const goInstallHint =
  'apt-get install golang-go golang-github-vishvananda-netlink-dev (Go and the vishvananda/netlink sources)';

export type GoHarness = GoBuild;

/** Builds `vishvananda-bench` into `bench/dist/peers`; `env` is where to find `go` (its PATH). */
export function buildGoPeer(env: NodeJS.ProcessEnv = process.env): Promise<GoHarness> {
  return buildGoBinary({
    sourceDir,
    name: 'vishvananda',
    librarySentinel: join(librarySources, 'neigh_linux.go'),
    library: 'vishvananda/netlink',
    install: goInstallHint,
    outDir: join(sourceDir, '..', '..', 'dist', 'peers'),
    env,
  });
}

export interface GoRun {
  readonly out: WorkerOutput & { readonly mode: string };
  readonly kernel: Counts;
  readonly verified: boolean;
}

/** One run of the Go peer for N remotes in a fresh namespace (Docker's mode: one Handle). */
export async function goRun(binary: string, n: number): Promise<GoRun> {
  const ns = createHost();
  try {
    progress(`N=${n}: vishvananda/netlink in ${ns}`);
    const args = ['netns', 'exec', ns, binary, '-n', String(n), '-vtep', JSON.stringify(vtep)];
    const r = await run('ip', args, process.env);
    let out: (GoRun['out'] & { error?: string }) | undefined;
    try {
      out = JSON.parse(r.stdout.trim()) as GoRun['out'] & { error?: string };
    } catch {
      out = undefined;
    }
    if (out === undefined || out.error !== undefined || r.code !== 0)
      throw new Error(`vishvananda-bench failed: ${out?.error ?? (r.stderr.trim() || String(r.code))}`);
    const kernel = kernelCounts(ns);
    const verified = checkCounts(`N=${n} vishvananda`, kernel, n) && out.errors === 0;
    return { out, kernel, verified };
  } finally {
    destroy(ns);
  }
}
