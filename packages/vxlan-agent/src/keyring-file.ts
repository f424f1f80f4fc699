import { readFile } from 'node:fs/promises';
import { ConfigProblems } from '@trellis/runtime';
import { Keyring } from '@trellis/node';

/**
 * Reads a keyring file: `{ "keys": ["<base64 32 bytes>", ...] }`, the first key primary (used
 * to send), all of them accepted. Rotate by adding a key, making it first, then removing the old.
 */
export async function loadKeyring(path: string): Promise<Keyring> {
  const p = new ConfigProblems();
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    p.add('keyringFile', `cannot read ${path}: ${(error as Error).message}`);
    p.throwIfAny('keyring file');
  }
  const keys = (parsed as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || !keys.every((k) => typeof k === 'string')) {
    p.add('keys', 'must be a non-empty array of base64-encoded 32-byte keys');
    p.throwIfAny(`keyring file ${path}`);
  }
  const [primary, ...others] = keys as string[];
  return new Keyring(primary!, ...others);
}
