/**
 * The dataplane benchmark's Go peer: `bench/peers/vishvananda/`, one vishvananda/netlink call per
 * object as flannel and Docker's overlay driver do, built once per invocation against Debian's
 * packaged sources in GOPATH mode (no module download). Missing Go or sources: the caller is told
 * what to install and runs without this peer.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
import { debianGopath } from './peer-harness.js';
import type { WorkerOutput } from './dataplane-worker.js';

const sourceDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'peers', 'vishvananda');
const librarySources = join(debianGopath, 'src', 'github.com', 'vishvananda', 'netlink');
export const goInstallHint =
  'apt-get install golang-go golang-github-vishvananda-netlink-dev (Go and the vishvananda/netlink sources)';

export type GoHarness =
  | { readonly ok: true; readonly binary: string; readonly goVersion: string }
  | { readonly ok: false; readonly reason: string; readonly install: string };

interface Ran {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

function run(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd?: string): Promise<Ran> {
  return new Promise((resolve) => {
    const opts = { env, timeout: 300_000, maxBuffer: 4 << 20, ...(cwd === undefined ? {} : { cwd }) };
    execFile(cmd, args, opts, (error, stdout, stderr) => {
      const code = error === null ? 0 : ((error as NodeJS.ErrnoException).code ?? 1);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Builds `vishvananda-bench` into `bench/dist/peers`; `env` is where to find `go` (its PATH). */
export async function buildGoPeer(env: NodeJS.ProcessEnv = process.env): Promise<GoHarness> {
  const version = await run('go', ['version'], env);
  if (version.code !== 0) {
    const why =
      version.code === 'ENOENT' ? 'go is not on PATH' : `go version failed: ${version.stderr.trim()}`;
    return { ok: false, reason: why, install: goInstallHint };
  }
  if (!existsSync(join(librarySources, 'neigh_linux.go')))
    return {
      ok: false,
      reason: `no vishvananda/netlink sources in ${librarySources}`,
      install: goInstallHint,
    };
  const outDir = join(sourceDir, '..', '..', 'dist', 'peers');
  mkdirSync(outDir, { recursive: true });
  const binary = join(outDir, 'vishvananda-bench');
  const tmp = mkdtempSync(join(tmpdir(), 'trellis-peers-go-'));
  try {
    const pkg = join(tmp, 'src', 'trellis-peers-vishvananda');
    mkdirSync(pkg, { recursive: true });
    for (const f of readdirSync(sourceDir).filter((n) => n.endsWith('.go')))
      copyFileSync(join(sourceDir, f), join(pkg, f));
    const goEnv = {
      ...env,
      GO111MODULE: 'off',
      GOPATH: `${debianGopath}:${tmp}`,
      GOCACHE: join(tmp, 'cache'),
      GOFLAGS: '',
      GOPROXY: 'off',
    };
    const built = await run('go', ['build', '-o', binary, '.'], goEnv, pkg);
    if (built.code !== 0)
      return { ok: false, reason: `go build failed: ${built.stderr.trim()}`, install: goInstallHint };
    return { ok: true, binary, goVersion: version.stdout.trim() };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
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
