import { generateKeyPair, type KeyPair } from '../../src/identity/ed25519.js';
import { issueCertificate } from '../../src/identity/certificate.js';
import { NodeIdentity } from '../../src/identity/node-identity.js';

// The simulator's clock starts near the real one; these certificates outlive any run.
const farFuture = Date.UTC(2100, 0, 1);

/**
 * A cluster CA for tests: each id gets one key pair for all its lives (a restart keeps its key,
 * as a host keeps its key file) and a certificate valid until 2100.
 */
export class TestCa {
  readonly key: KeyPair = generateKeyPair();
  readonly #nodes = new Map<string, KeyPair>();

  keyOf(id: string): KeyPair {
    let k = this.#nodes.get(id);
    if (k === undefined) this.#nodes.set(id, (k = generateKeyPair()));
    return k;
  }

  identity(id: string, notAfter = farFuture): NodeIdentity {
    const k = this.keyOf(id);
    return new NodeIdentity(id, {
      privateKey: k.privateKey,
      certificate: issueCertificate(this.key.privateKey, id, k.publicKey, notAfter),
      trust: { cas: [this.key.publicKey] },
    });
  }
}
