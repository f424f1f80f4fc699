import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { ConfigProblems } from '@trellis/runtime';
import { FileProblems } from '../config/file-problems.js';
import { loadKeyringFile } from '../config/keyring-file.js';
import { exitCodes } from './exit-codes.js';
import { refuseExisting, writePrivateFile } from './private-file.js';

interface KeygenOptions {
  readonly out?: string;
  readonly add?: string;
  readonly promote?: string;
  readonly retire?: string;
  readonly force?: boolean;
}

/**
 * `trellis-agent keygen`: keyring files. A node sends with the first key and accepts every key
 * (see @trellis/node's Keyring), so a rotation is three rolled-out steps: --add (the new key,
 * accepted but not used), --promote (it sends with the new key), --retire (the old one goes).
 */
export function keygenCommand(program: Command, done: (run: () => Promise<number>) => void): void {
  program
    .command('keygen')
    .description('write a keyring file with a fresh AES-256 key, or take one step of a key rotation')
    .option('-o, --out <file>', 'write a new keyring here (default: print it)')
    .option(
      '--add <file>',
      'rotation step 1: add a fresh key to this keyring as the last, not yet used to send',
    )
    .option('--promote <file>', 'rotation step 2: make its last key the primary (the one nodes send with)')
    .option('--retire <file>', 'rotation step 3: keep only its primary key')
    .option('--force', 'with --out: replace an existing file')
    .addHelpText(
      'after',
      `
Keyring files are { "keys": ["<base64 of 32 bytes>", ...] }, the first key primary, mode 0600;
--add, --promote and --retire rewrite the file in place (atomically). Copy the file to every
agent and restart each (one at a time) after each step, and take the next step only when every
agent runs the previous one: then every node accepts what every other node sends throughout.
Exit codes: 0 written, 2 bad arguments or keyring, 3 permission.`,
    )
    .action((opts: KeygenOptions) => done(() => keygen(opts)));
}

async function keygen(opts: KeygenOptions): Promise<number> {
  const steps = (['add', 'promote', 'retire'] as const).filter((s) => opts[s] !== undefined);
  const p = new ConfigProblems();
  if (steps.length > 1 || (steps.length === 1 && opts.out !== undefined))
    p.add('--out', 'give one of --out, --add, --promote or --retire');
  p.throwIfAny('command line');
  const step = steps[0];
  if (step === undefined) return create(opts.out, opts.force === true);
  const file = opts[step]!;
  const keys = await readKeys(file, `--${step}`);
  const next =
    step === 'add'
      ? [...keys, fresh()]
      : step === 'promote'
        ? [keys[keys.length - 1]!, ...keys.slice(0, -1)]
        : keys.slice(0, 1);
  await writePrivateFile(file, format(next), true);
  const what = {
    add: 'a new key added last (accepted, not yet sent with): deploy it everywhere, then --promote',
    promote: 'the last key is now primary: deploy it everywhere, then --retire',
    retire: 'only the primary key is left',
  }[step];
  process.stdout.write(`wrote ${file}: ${next.length} key${next.length === 1 ? '' : 's'}, ${what}\n`);
  return exitCodes.ok;
}

async function create(out: string | undefined, force: boolean): Promise<number> {
  const text = format([fresh()]);
  if (out === undefined) {
    process.stdout.write(text);
    return exitCodes.ok;
  }
  await refuseExisting([out], force);
  await writePrivateFile(out, text, force);
  process.stdout.write(`wrote ${out}: a keyring of one fresh key\n`);
  return exitCodes.ok;
}

async function readKeys(file: string, path: string): Promise<string[]> {
  const p = new FileProblems();
  const keyring = await loadKeyringFile(file, path, p);
  p.throwIfAny('command line');
  return keyring!.keys().map((k) => Buffer.from(k).toString('base64'));
}

/** AES-256: the keyring's keys are 32 bytes. */
const keyBytes = 32;

function fresh(): string {
  return randomBytes(keyBytes).toString('base64');
}

function format(keys: readonly string[]): string {
  return `${JSON.stringify({ keys }, null, 2)}\n`;
}
