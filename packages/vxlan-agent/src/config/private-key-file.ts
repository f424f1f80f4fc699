import type { KeyObject } from 'node:crypto';
import { privateKeyFromPem } from '@trellis/node';
import { readSmallFile } from './config-file.js';
import type { FileProblems } from './file-problems.js';
import { secretFileProblem } from './secret-file.js';

/** A PEM Ed25519 key is about 120 bytes; a few KiB leaves room for comments around it. */
const keyFileBytesMax = 16 * 1024;

/**
 * Reads an Ed25519 private key (PEM, PKCS #8, as `trellis-agent ca init` and `cert issue` write
 * it). Like ssh, a key others could read is refused, not used: whoever reads it can sign as this
 * node (or, for the CA key, admit any node). It must be owned by root or by us.
 */
export async function loadPrivateKeyFile(
  file: string,
  path: string,
  p: FileProblems,
): Promise<KeyObject | undefined> {
  const read = await readSmallFile(file, keyFileBytesMax);
  if (!read.ok) return p.file(path, file, read);
  const refused = secretFileProblem(file, read, 'a private key');
  if (refused !== undefined) return p.content(path, refused);
  try {
    return privateKeyFromPem(read.text);
  } catch {
    // The message never quotes the file: it is a secret, or something given by mistake.
    return p.content(path, `${file} is not an Ed25519 private key in PEM (PKCS #8, "BEGIN PRIVATE KEY")`);
  }
}
