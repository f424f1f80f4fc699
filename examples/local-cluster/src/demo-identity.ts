/**
 * Identity for the demo's nodes, made fresh for each run: a CA key that lives only in the
 * parent's memory, and per node an Ed25519 key (in a 0600 file of a 0700 temporary directory,
 * so it is in no process's argv) and a certificate the CA signed. Workers get the paths and the
 * public parts in their config.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  certificateToJson,
  generateKeyPair,
  issueCertificate,
  privateKeyToPem,
  type KeyPair,
} from '@trellis/node';
import type { WorkerIdentity } from './worker-message.js';

/** Long enough for `--keep` to run all day; a real cluster's certificates are renewed. */
const validityMs = 7 * 86_400_000;

export class DemoIdentities {
  readonly #ca: KeyPair = generateKeyPair();
  readonly #dir = mkdtempSync(join(tmpdir(), 'trellis-demo-identity-'));
  readonly #issued = new Map<string, WorkerIdentity>();

  /** `id`'s identity; the same one again when a node is restarted (its key outlives a process). */
  forNode(id: string): WorkerIdentity {
    const known = this.#issued.get(id);
    if (known !== undefined) return known;
    const node = generateKeyPair();
    const keyFile = join(this.#dir, `${this.#issued.size}.key`);
    writeFileSync(keyFile, privateKeyToPem(node.privateKey), { mode: 0o600, flag: 'wx' });
    const certificate = issueCertificate(this.#ca.privateKey, id, node.publicKey, Date.now() + validityMs);
    const identity: WorkerIdentity = {
      keyFile,
      certificate: certificateToJson(certificate),
      ca: Buffer.from(this.#ca.publicKey).toString('base64'),
    };
    this.#issued.set(id, identity);
    return identity;
  }

  /** Removes the keys; synchronous, so it can run in an `exit` handler. */
  dispose(): void {
    rmSync(this.#dir, { recursive: true, force: true });
  }
}
