/**
 * Builds one of our Go peer harnesses (`bench/peers/<name>/`) against Debian's packaged sources in
 * GOPATH mode: no module download, since the machine may have no network. The Go build cache and
 * the GOPATH entry for our package live in a temporary directory, removed afterwards. When Go or
 * the library's sources are missing, the caller is told what to install.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Where Debian's golang-*-dev packages put their sources: a GOPATH. */
export const debianGopath = '/usr/share/gocode';

export type GoBuild =
  | { readonly ok: true; readonly binary: string; readonly goVersion: string }
  | { readonly ok: false; readonly reason: string; readonly install: string };

export interface Ran {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a command to its end; never rejects (a missing binary is code 'ENOENT'). */
export function run(
  cmd: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd?: string,
): Promise<Ran> {
  return new Promise((resolve) => {
    const opts = { env, timeout: 300_000, maxBuffer: 4 << 20, ...(cwd === undefined ? {} : { cwd }) };
    execFile(cmd, args, opts, (error, stdout, stderr) => {
      const code = error === null ? 0 : ((error as NodeJS.ErrnoException).code ?? 1);
      resolve({ code, stdout, stderr });
    });
  });
}

export interface GoBuildSpec {
  /** The harness's `.go` files. */
  readonly sourceDir: string;
  /** `memberlist`: package `trellis-peers-<name>` in the temporary GOPATH, binary `<name>-bench`. */
  readonly name: string;
  /** A file the library's Debian package installs, and how to name the library in a message. */
  readonly librarySentinel: string;
  readonly library: string;
  readonly install: string;
  readonly outDir: string;
  /** Where to find `go` (its PATH), so a test can take Go away. */
  readonly env: NodeJS.ProcessEnv;
}

export async function buildGoBinary(spec: GoBuildSpec): Promise<GoBuild> {
  const { env, install } = spec;
  const version = await run('go', ['version'], env);
  if (version.code !== 0) {
    const why =
      version.code === 'ENOENT' ? 'go is not on PATH' : `go version failed: ${version.stderr.trim()}`;
    return { ok: false, reason: why, install };
  }
  if (!existsSync(spec.librarySentinel))
    return {
      ok: false,
      reason: `no ${spec.library} sources in ${join(spec.librarySentinel, '..')}`,
      install,
    };
  mkdirSync(spec.outDir, { recursive: true });
  const binary = join(spec.outDir, `${spec.name}-bench`);
  const tmp = mkdtempSync(join(tmpdir(), 'trellis-peers-go-'));
  try {
    const pkg = join(tmp, 'src', `trellis-peers-${spec.name}`);
    mkdirSync(pkg, { recursive: true });
    for (const f of readdirSync(spec.sourceDir).filter((n) => n.endsWith('.go')))
      copyFileSync(join(spec.sourceDir, f), join(pkg, f));
    const goEnv = {
      ...env,
      GO111MODULE: 'off',
      GOPATH: `${debianGopath}:${tmp}`,
      GOCACHE: join(tmp, 'cache'),
      GOFLAGS: '',
      GOPROXY: 'off',
    };
    const built = await run('go', ['build', '-o', binary, '.'], goEnv, pkg);
    if (built.code !== 0) return { ok: false, reason: `go build failed: ${built.stderr.trim()}`, install };
    return { ok: true, binary, goVersion: version.stdout.trim() };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
