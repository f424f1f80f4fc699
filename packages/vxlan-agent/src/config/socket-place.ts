import { lstat, realpath, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { FileProblems } from './file-problems.js';

const setting = 'http.socket';

/**
 * The API socket must lie where no other user can replace it: whoever may rename entries in its
 * directory, or in one above it, can move the agent's socket aside and put one of their own in
 * its place, and the runtime's hooks and `trellis-agent status` would talk to that. So every
 * directory from the socket's up to the root must belong to root or to the agent's user and not
 * be writable by everyone, unless sticky (like /tmp: nobody may rename what is not theirs). The
 * path itself must be free or hold a socket (a stale one is replaced at start).
 */
export async function checkSocketPlace(path: string, p: FileProblems): Promise<void> {
  const there = await lstat(path).catch(() => undefined);
  if (there !== undefined && !there.isSocket())
    p.add(setting, `${path} exists and is not a socket: remove it, or set http.socket to another path`);
  // Directories that do not exist yet are created at start, the agent's own and 0755.
  let dir = dirname(path);
  while ((await stat(dir).catch(() => undefined)) === undefined && dirname(dir) !== dir) dir = dirname(dir);
  // A symlinked directory is judged by where it leads, and by each directory above that.
  const real = await realpath(dir).catch(() => undefined);
  if (real === undefined) return;
  const euid = process.geteuid?.() ?? 0;
  for (let d = real; ; d = dirname(d)) {
    const problem = await directoryProblem(d, euid);
    if (problem !== undefined)
      return p.add(
        setting,
        `${problem}: use a directory of root's or the agent's (the default /run/trellis)`,
      );
    if (dirname(d) === d) return;
  }
}

async function directoryProblem(dir: string, euid: number): Promise<string | undefined> {
  const st = await stat(dir).catch(() => undefined);
  // Unreadable: the start's mkdir or bind reports it (exit 3).
  if (st === undefined) return undefined;
  if (!st.isDirectory()) return `${dir} is not a directory`;
  if (st.uid !== 0 && st.uid !== euid) return `${dir} belongs to uid ${st.uid}, who could replace the socket`;
  if ((st.mode & 0o002) !== 0 && (st.mode & 0o1000) === 0)
    return `${dir} is writable by every user, who could replace the socket`;
  return undefined;
}
