import { join } from 'node:path';
import type { Command } from 'commander';
import { generateKeyPair, privateKeyToPem } from '@trellis/node';
import { formatPublicKeyText } from '../config/public-key-text.js';
import { exitCodes } from './exit-codes.js';
import { refuseExisting, writePrivateFile } from './private-file.js';

interface CaInitOptions {
  readonly dir: string;
  readonly force?: boolean;
}

/** `trellis-agent ca init --dir D`: a new cluster CA, its key and its public key. */
export function caCommand(program: Command, done: (run: () => Promise<number>) => void): void {
  const ca = program.command('ca').description('the cluster CA that signs node certificates');
  ca.command('init')
    .description('create a CA: <dir>/ca.key (the private key, PEM) and <dir>/ca.pub (its public key)')
    .requiredOption('-d, --dir <dir>', 'where to write ca.key and ca.pub (created with mode 0700)')
    .option('--force', 'replace an existing ca.key and ca.pub (every certificate they signed stops counting)')
    .addHelpText(
      'after',
      `
Both files are written with mode 0600. Keep ca.key off the agents' hosts (it admits any node);
give ca.pub to every agent (identity.caFiles). ca.pub is one line: the base64 of the 32-byte
Ed25519 public key. Exit codes: 0 written, 2 bad arguments or a file exists, 3 permission.`,
    )
    .action((opts: CaInitOptions) => done(() => caInit(opts)));
}

async function caInit(opts: CaInitOptions): Promise<number> {
  const key = join(opts.dir, 'ca.key');
  const pub = join(opts.dir, 'ca.pub');
  await refuseExisting([key, pub], opts.force === true);
  const pair = generateKeyPair();
  await writePrivateFile(key, privateKeyToPem(pair.privateKey), opts.force === true);
  await writePrivateFile(pub, formatPublicKeyText(pair.publicKey), opts.force === true);
  process.stdout.write(
    `wrote ${key} (the CA's private key: keep it offline) and ${pub} (for every agent's identity.caFiles)\n`,
  );
  return exitCodes.ok;
}
