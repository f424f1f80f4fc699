import { Keyring, KeyringError } from '@trellis/node';
import { parseJsonText, readSmallFile } from './config-file.js';
import type { FileProblems } from './file-problems.js';

/**
 * Reads a keyring file: `{ "keys": ["<base64 32 bytes>", ...] }`, the first key primary (used
 * to send), all of them accepted. Rotate by adding a key, making it first, then removing the
 * old one. Problems are filed under `path` (the setting that named the file).
 */
export async function loadKeyringFile(
  file: string,
  path: string,
  p: FileProblems,
): Promise<Keyring | undefined> {
  const read = await readSmallFile(file);
  if (!read.ok) return p.file(path, file, read);
  const json = parseJsonText(read.text);
  if (!json.ok) return p.content(path, `${file} ${json.message}`);
  const keys = (typeof json.value === 'object' && json.value !== null ? json.value : {}) as {
    keys?: unknown;
  };
  if (!Array.isArray(keys.keys) || keys.keys.length === 0 || !keys.keys.every((k) => typeof k === 'string'))
    return p.content(
      path,
      `${file} must hold { "keys": ["<base64 of 32 bytes>", ...] }, the first key primary`,
    );
  const list = keys.keys;
  for (const [i, key] of list.entries()) {
    try {
      new Keyring(key);
    } catch (error) {
      if (!(error instanceof KeyringError)) throw error;
      p.content(path, `${file}: keys[${i}]: ${error.message}`);
    }
  }
  return p.failed(path) ? undefined : new Keyring(list[0]!, ...list.slice(1));
}
