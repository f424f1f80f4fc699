/**
 * The memberlist peer: our Go harness (`bench/peers/memberlist/`), built once per invocation
 * against Debian's packaged sources in GOPATH mode (no module download: the machine may have no
 * network). When Go or the sources are missing, the caller is told what to install.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGoBinary, debianGopath, type GoBuild } from './go-build.js';

export { debianGopath } from './go-build.js';

/** `bench/peers/memberlist`, found from this compiled file (`bench/dist/src/peer-harness.js`). */
export const harnessSourceDir = join(
  dirname(fileURLToPath(import.meta.url)),
  '..',
  '..',
  'peers',
  'memberlist',
);
const memberlistSources = join(debianGopath, 'src', 'github.com', 'hashicorp', 'memberlist');
export const installHint =
  'apt-get install golang-go golang-github-hashicorp-memberlist-dev (Go and memberlist 0.2.2 sources)';

export type Harness = GoBuild;

/**
 * Builds the harness into `outDir` (default `bench/dist/peers`). `env` is the environment to find
 * `go` in (its PATH), so a test can take Go away.
 */
export function buildMemberlistHarness(
  opts: { env?: NodeJS.ProcessEnv; outDir?: string } = {},
): Promise<Harness> {
  return buildGoBinary({
    sourceDir: harnessSourceDir,
    name: 'memberlist',
    librarySentinel: join(memberlistSources, 'memberlist.go'),
    library: 'memberlist',
    install: installHint,
    outDir: opts.outDir ?? join(harnessSourceDir, '..', '..', 'dist', 'peers'),
    env: opts.env ?? process.env,
  });
}
