import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '@trellis/runtime';

/**
 * Writes `content` to `file` with mode 0600, whole or not at all: into a new file beside it
 * (O_EXCL, so nothing else's file is reused), flushed, then linked in place, which fails if
 * `file` exists (no overwrite unless `force`, then an atomic rename). A reader never sees half
 * a key, and a key is never readable by others, not even for a moment, whatever the umask.
 */
export async function writePrivateFile(file: string, content: string, force: boolean): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const temp = join(dirname(file), `.${basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fh = await open(temp, 'wx', 0o600);
  try {
    await fh.chmod(0o600);
    await fh.writeFile(content);
    await fh.sync();
  } catch (error) {
    await fh.close();
    await unlink(temp);
    throw error;
  }
  await fh.close();
  try {
    if (force) await rename(temp, file);
    else await link(temp, file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST')
      throw new ConfigError('command line', [
        { path: file, message: 'exists: not overwritten (add --force to replace it)' },
      ]);
    throw error;
  } finally {
    // After the link (or a failed rename) the temporary name is left over; after a rename it is gone.
    await unlink(temp).catch(() => undefined);
  }
}

/** Refuses up front when any of `files` exists and `force` is off, so nothing is half written. */
export async function refuseExisting(files: readonly string[], force: boolean): Promise<void> {
  if (force) return;
  const taken: string[] = [];
  for (const f of files) {
    try {
      // lstat, not open: a FIFO or a dangling link in the way is refused without waiting on it.
      await lstat(f);
      taken.push(f);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT') taken.push(f);
    }
  }
  if (taken.length > 0)
    throw new ConfigError(
      'command line',
      taken.map((f) => ({ path: f, message: 'exists: not overwritten (add --force to replace it)' })),
    );
}
