/**
 * What a stranger gets from the registry: every workspace package packed with `npm pack`, then
 * installed from those tarballs into a fresh project outside the repository, so nothing resolves
 * through the monorepo's links, its hoisted node_modules or its TypeScript sources.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
export const repoRoot = new URL('../../..', import.meta.url).pathname;

export interface PackedInstall {
  /** The fresh project, outside the repository. */
  readonly dir: string;
  /** The tarballs, by package name. */
  readonly tarballs: ReadonlyMap<string, string>;
}

/** The names of the publishable packages (every one under packages/). */
export async function packageNames(): Promise<string[]> {
  const dirs = await readdir(join(repoRoot, 'packages'));
  const names = await Promise.all(
    dirs.map(async (d) => {
      const json = JSON.parse(await readFile(join(repoRoot, 'packages', d, 'package.json'), 'utf8')) as {
        name: string;
      };
      return json.name;
    }),
  );
  return names.sort();
}

/** Packs every package (they must be built) and installs the tarballs into a new project. */
export async function packAndInstall(extra: readonly string[]): Promise<PackedInstall> {
  const dir = await mkdtemp(join(tmpdir(), 'trellis-packed-'));
  const names = await packageNames();
  const workspaces = names.flatMap((n) => ['-w', n]);
  const { stdout } = await run(
    'npm',
    ['pack', ...workspaces, '--pack-destination', dir, '--json', '--ignore-scripts'],
    { cwd: repoRoot, maxBuffer: 64 << 20 },
  );
  const packed = JSON.parse(stdout) as { name: string; filename: string }[];
  const tarballs = new Map(packed.map((p) => [p.name, join(dir, p.filename)]));
  await writeFile(
    join(dir, 'package.json'),
    JSON.stringify({ name: 'stranger', version: '1.0.0', private: true, type: 'module' }, null, 2),
  );
  // --prefer-offline: `npm ci` of the repository has put every third-party tarball in npm's
  // cache; the registry is asked only for what the cache lacks (package metadata).
  await run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--ignore-scripts',
      '--no-package-lock',
      ...tarballs.values(),
      ...extra,
    ],
    { cwd: dir, maxBuffer: 64 << 20, timeout: 240_000 },
  );
  return { dir, tarballs };
}

/** The paths inside one tarball (`package/...`). */
export async function tarballFiles(tarball: string): Promise<string[]> {
  const { stdout } = await run('tar', ['-tzf', tarball], { maxBuffer: 64 << 20 });
  return stdout.split('\n').filter((l) => l.length > 0);
}

export async function runIn(
  dir: string,
  cmd: string,
  args: readonly string[],
): Promise<{ stdout: string; stderr: string }> {
  return run(cmd, args, { cwd: dir, maxBuffer: 64 << 20, timeout: 120_000 });
}
