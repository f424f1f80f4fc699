import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let sequence = 0;

/**
 * Writes `text` to `path` whole or not at all: a temporary file beside it, fsynced, given
 * `mode`, renamed over the old one. A runtime reading the directory sees the old file or the
 * new one, never half of one.
 */
export async function writeFileAtomic(path: string, text: string, mode: number): Promise<void> {
  // Unique per call: two writers of one path never share a temporary file.
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${++sequence}.tmp`);
  const fh = await open(tmp, 'w', mode);
  try {
    await fh.writeFile(text);
    await fh.chmod(mode);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (error) {
    await unlink(tmp).catch(() => undefined);
    throw error;
  }
}
