import { constants, type FileHandle, open } from 'node:fs/promises';
import { createScanner, parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';

/** Config, keyring, token and identity files are small; anything bigger is not one of them. */
export const configFileBytesMax = 1024 * 1024;

export type FileRead =
  | { readonly ok: true; readonly text: string; readonly mode: number; readonly uid: number }
  | { readonly ok: false; readonly denied: boolean; readonly message: string };

/**
 * Reads a small text file the agent was told to trust. A FIFO, a device or a directory is
 * refused without reading from it (O_NONBLOCK: opening a FIFO does not wait for a writer, and
 * fstat tells what the opened thing is, so no rename in between can fool the check); so is a
 * file over `bytesMax`. A UTF-8 byte order mark is dropped. Messages never quote the content.
 */
export async function readSmallFile(path: string, bytesMax = configFileBytesMax): Promise<FileRead> {
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (error) {
    return failure(error);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return refused(`is ${kindOf(st)}, not a regular file`);
    if (st.size > bytesMax) return refused(`is ${st.size} bytes, over the ${bytesMax}-byte limit`);
    // The size may grow after fstat: read at most one byte more than allowed, and judge that.
    const buf = Buffer.alloc(bytesMax + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > bytesMax) return refused(`is over the ${bytesMax}-byte limit`);
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(buf.subarray(0, length));
    } catch {
      return refused('is not UTF-8 text');
    }
    return { ok: true, text, mode: st.mode & 0o7777, uid: st.uid };
  } catch (error) {
    return failure(error);
  } finally {
    await fh.close();
  }
}

export type JsonParse =
  { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly message: string };

/**
 * JSON.parse, with an error that names the line and column and what was expected there, but
 * never the text itself (V8's message quotes it: the start of /etc/shadow, given by mistake).
 */
export function parseJsonText(text: string): JsonParse {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    const deep = tooDeepAt(text);
    if (deep !== undefined) {
      const { line, column } = position(text, deep);
      return {
        ok: false,
        message: `is not valid JSON: nested deeper than ${nestingMax} levels at line ${line}, column ${column}`,
      };
    }
    const errors: ParseError[] = [];
    parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    if (first === undefined) return { ok: false, message: 'is not valid JSON' };
    const { line, column } = position(text, first.offset);
    const what = printParseErrorCode(first.error)
      .replace(/([a-z])([A-Z])/g, '$1 $2')
      .toLowerCase();
    return { ok: false, message: `is not valid JSON: ${what} at line ${line}, column ${column}` };
  }
}

/**
 * jsonc-parser locates errors by recursive descent: 1 MiB of `[` would exhaust the stack
 * (JSON.parse itself does not recurse). No config nests anywhere near this deep.
 */
const nestingMax = 256;

/** Where the nesting first goes past `nestingMax`, found by its (flat) scanner; undefined: it does not. */
function tooDeepAt(text: string): number | undefined {
  // jsonc-parser's SyntaxKind is a const enum, which isolatedModules cannot import.
  const openBrace = 1;
  const closeBrace = 2;
  const openBracket = 3;
  const closeBracket = 4;
  const eof = 17;
  const scanner = createScanner(text, true);
  let depth = 0;
  for (let kind: number = scanner.scan(); kind !== eof; kind = scanner.scan()) {
    if (kind === openBrace || kind === openBracket) {
      if (++depth > nestingMax) return scanner.getTokenOffset();
    } else if (kind === closeBrace || kind === closeBracket) depth--;
  }
  return undefined;
}

function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

function refused(message: string): FileRead {
  return { ok: false, denied: false, message };
}

function failure(error: unknown): FileRead {
  const code = (error as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return refused('does not exist');
    case 'EACCES':
    case 'EPERM':
      return {
        ok: false,
        denied: true,
        message: `cannot be read by uid ${process.getuid?.() ?? '?'}: permission denied`,
      };
    case 'ENOTDIR':
      return refused('does not exist (a part of its path is not a directory)');
    case 'ELOOP':
      return refused('is a loop of symbolic links');
    default:
      return refused(`cannot be read: ${code ?? (error as Error).message}`);
  }
}

function kindOf(st: {
  isDirectory(): boolean;
  isFIFO(): boolean;
  isSocket(): boolean;
  isCharacterDevice(): boolean;
  isBlockDevice(): boolean;
}): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}
