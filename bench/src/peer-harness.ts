/**
 * The memberlist peer: our Go harness (`bench/peers/memberlist/`), built once per invocation
 * against Debian's packaged sources in GOPATH mode (no module download: the machine may have no
 * network). When Go or the sources are missing, the caller is told what to install.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `bench/peers/memberlist`, found from this compiled file (`bench/dist/src/peer-harness.js`). */
export const harnessSourceDir = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'peers',
  'memberlist',
);
/** Where Debian's golang-*-dev packages put their sources: a GOPATH. */
export const debianGopath = '/usr/share/gocode';
const memberlistSources = join(debianGopath, 'src', 'github.com', 'hashicorp', 'memberlist');
export const installHint =
  'apt-get install golang-go golang-github-hashicorp-memberlist-dev (Go and memberlist 0.2.2 sources)';

export type Harness =
  | { readonly ok: true; readonly binary: string; readonly goVersion: string }
  | { readonly ok: false; readonly reason: string; readonly install: string };

interface Ran {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

function run(
  cmd: string,
  args: readonly string[],
  opts: { env: NodeJS.ProcessEnv; cwd?: string },
): Promise<Ran> {
  return new Promise((resolve) => {
    execFile(cmd, args, { ...opts, timeout: 300_000, maxBuffer: 4 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : ((error as NodeJS.ErrnoException).code ?? 1);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Builds the harness into `outDir` (default `bench/dist/peers`). `env` is the environment to find
 * `go` in (its PATH), so a test can take Go away. The Go build cache and GOPATH entry for our
 * package live in a temporary directory, removed afterwards.
 */
export async function buildMemberlistHarness(
  opts: { env?: NodeJS.ProcessEnv; outDir?: string } = {},
): Promise<Harness> {
  const env = opts.env ?? process.env;
  const version = await run('go', ['version'], { env });
  if (version.code !== 0) {
    const why =
      version.code === 'ENOENT' ? 'go is not on PATH' : `go version failed: ${version.stderr.trim()}`;
    return { ok: false, reason: why, install: installHint };
  }
  if (!existsSync(join(memberlistSources, 'memberlist.go')))
    return { ok: false, reason: `no memberlist sources in ${memberlistSources}`, install: installHint };
  const outDir = opts.outDir ?? join(harnessSourceDir, '..', '..', 'dist', 'peers');
  mkdirSync(outDir, { recursive: true });
  const binary = join(outDir, 'memberlist-bench');
  const tmp = mkdtempSync(join(tmpdir(), 'trellis-peers-go-'));
  try {
    const pkg = join(tmp, 'src', 'trellis-peers-memberlist');
    mkdirSync(pkg, { recursive: true });
    for (const f of readdirSync(harnessSourceDir).filter((n) => n.endsWith('.go')))
      copyFileSync(join(harnessSourceDir, f), join(pkg, f));
    const goEnv = {
      ...env,
      GO111MODULE: 'off',
      GOPATH: `${debianGopath}:${tmp}`,
      GOCACHE: join(tmp, 'cache'),
      GOFLAGS: '',
      GOPROXY: 'off',
    };
    const built = await run('go', ['build', '-o', binary, '.'], { env: goEnv, cwd: pkg });
    if (built.code !== 0)
      return { ok: false, reason: `go build failed: ${built.stderr.trim()}`, install: installHint };
    return { ok: true, binary, goVersion: version.stdout.trim() };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
