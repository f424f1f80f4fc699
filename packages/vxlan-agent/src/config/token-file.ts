import { readSmallFile } from './config-file.js';
import type { FileProblems } from './file-problems.js';
import { secretFileProblem } from './secret-file.js';

const tokenCharsMin = 16;
const tokenCharsMax = 4096;

/**
 * Reads the bearer token TCP writes must present: one line of 16-4096 printable ASCII
 * characters, in a file only its owner (root or the agent's user) may read (mode 0600 or 0400),
 * since whoever reads it can write to every agent's DNS.
 */
export async function loadTokenFile(
  file: string,
  path: string,
  p: FileProblems,
): Promise<string | undefined> {
  const read = await readSmallFile(file, tokenCharsMax + 2);
  if (!read.ok) return p.file(path, file, read);
  const refused = secretFileProblem(file, read, 'the token');
  if (refused !== undefined) return p.content(path, refused);
  const token = read.text.replace(/\r?\n$/, '');
  if (!/^[\x21-\x7e]*$/.test(token) || token.length < tokenCharsMin || token.length > tokenCharsMax)
    return p.content(
      path,
      `${file} must hold one line of ${tokenCharsMin}-${tokenCharsMax} printable characters without spaces (e.g. openssl rand -hex 32)`,
    );
  return token;
}
