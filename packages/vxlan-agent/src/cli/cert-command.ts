import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import type { Command } from 'commander';
import { isValidId } from '@trellis/membership';
import {
  certificateFromJson,
  certificateToJson,
  generateKeyPair,
  issueCertificate,
  privateKeyToPem,
  publicKeyOf,
} from '@trellis/node';
import { ConfigProblems } from '@trellis/runtime';
import { parseJsonText, readSmallFile } from '../config/config-file.js';
import { FileProblems } from '../config/file-problems.js';
import { loadPrivateKeyFile } from '../config/private-key-file.js';
import { formatPublicKeyText, parsePublicKeyText } from '../config/public-key-text.js';
import { exitCodes } from './exit-codes.js';
import { refuseExisting, writePrivateFile } from './private-file.js';

interface IssueOptions {
  readonly id: string;
  readonly out: string;
  readonly ca?: string;
  readonly self?: boolean;
  readonly key?: string;
  readonly publicKey?: string;
  readonly days: string;
  readonly force?: boolean;
}

const daysMax = 3650;
const dayMs = 86_400_000;

/** `trellis-agent cert issue`: a node's key and certificate, signed by the CA or by itself. */
export function certCommand(program: Command, done: (run: () => Promise<number>) => void): void {
  const cert = program.command('cert').description('node certificates');
  cert
    .command('issue')
    .description('write a node key (node.key, node.pub) and its certificate (node.cert.json) into --out')
    .requiredOption('--id <nodeId>', "the node's nodeId")
    .requiredOption('-o, --out <dir>', 'where to write node.key, node.pub and node.cert.json')
    .option('--ca <dir>', 'sign with the CA in this directory (its ca.key)')
    .option('--self', 'sign with the node key itself, for an allowlist cluster (prints its allowlist entry)')
    .option(
      '--public-key <file>',
      'with --ca: certify this existing key (a node.pub or a certificate) instead of making one',
    )
    .option('--key <file>', 'with --self: certify this existing private key instead of making one')
    .option('--days <n>', `valid for this many days, 1-${daysMax}`, '365')
    .option('--force', 'replace existing files in --out')
    .addHelpText(
      'after',
      `
Files are written with mode 0600. With --public-key (or --key) only node.cert.json is written:
a node's certificate is renewed without its private key leaving the host.
Exit codes: 0 written, 2 bad arguments or a file exists, 3 permission.`,
    )
    .action((opts: IssueOptions) => done(() => issue(opts)));
}

async function issue(opts: IssueOptions): Promise<number> {
  const days = checkArguments(opts);
  const files = {
    key: join(opts.out, 'node.key'),
    pub: join(opts.out, 'node.pub'),
    cert: join(opts.out, 'node.cert.json'),
  };
  const existing = opts.publicKey !== undefined || opts.key !== undefined;
  await refuseExisting(existing ? [files.cert] : [files.key, files.pub, files.cert], opts.force === true);
  const p = new FileProblems();
  const signer =
    opts.ca === undefined ? undefined : await loadPrivateKeyFile(join(opts.ca, 'ca.key'), '--ca', p);
  const given = opts.key === undefined ? undefined : await loadPrivateKeyFile(opts.key, '--key', p);
  const publicKey = opts.publicKey === undefined ? undefined : await loadPublicKey(opts.publicKey, p);
  p.throwIfAny('command line');
  const generated = existing ? undefined : generateKeyPair();
  const nodeKey: KeyObject | undefined = given ?? generated?.privateKey;
  const raw = publicKey ?? publicKeyOf(nodeKey!);
  const notAfter = Date.now() + days * dayMs;
  const certificate = issueCertificate(signer ?? nodeKey!, opts.id, raw, notAfter);
  const force = opts.force === true;
  if (generated !== undefined) {
    await writePrivateFile(files.key, privateKeyToPem(generated.privateKey), force);
    await writePrivateFile(files.pub, formatPublicKeyText(generated.publicKey), force);
  }
  await writePrivateFile(files.cert, `${JSON.stringify(certificateToJson(certificate), null, 2)}\n`, force);
  const wrote = generated === undefined ? files.cert : `${files.key}, ${files.pub} and ${files.cert}`;
  process.stdout.write(`wrote ${wrote}: ${opts.id} until ${new Date(notAfter).toISOString()}\n`);
  if (opts.self === true)
    process.stdout.write(
      `allowlist entry (add it to every agent's identity.allowFile): ${JSON.stringify(opts.id)}: ${JSON.stringify(Buffer.from(raw).toString('base64'))}\n`,
    );
  return exitCodes.ok;
}

/** Every problem of the command line at once; the validity in days. */
function checkArguments(opts: IssueOptions): number {
  const p = new ConfigProblems();
  if (!isValidId(opts.id)) p.add('--id', 'must be a nodeId: 1-128 characters without control characters');
  if ((opts.ca === undefined) === (opts.self !== true))
    p.add('--ca', 'give exactly one of --ca <dir> (a CA cluster) or --self (an allowlist cluster)');
  if (opts.publicKey !== undefined && opts.ca === undefined)
    p.add('--public-key', 'needs --ca (a self-signed certificate needs the private key: --self --key)');
  if (opts.key !== undefined && opts.self !== true)
    p.add('--key', 'is for --self (with --ca use --public-key)');
  const days = Number(opts.days);
  if (!Number.isInteger(days) || days < 1 || days > daysMax)
    p.add('--days', `must be a whole number of days, 1-${daysMax}`);
  p.throwIfAny('command line');
  return days;
}

/** A node.pub line, or the public key of an existing certificate (a renewal). */
async function loadPublicKey(file: string, p: FileProblems): Promise<Uint8Array | undefined> {
  const read = await readSmallFile(file);
  if (!read.ok) return p.file('--public-key', file, read);
  const line = parsePublicKeyText(read.text);
  if (line !== undefined) return line;
  const json = parseJsonText(read.text);
  const cert = json.ok ? certificateFromJson(json.value) : undefined;
  return (
    cert?.k ?? p.content('--public-key', `${file} is neither a public key line (node.pub) nor a certificate`)
  );
}
