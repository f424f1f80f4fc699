import test from 'ava';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  certificateToJson,
  generateKeyPair,
  issueCertificate,
  privateKeyToPem,
  selfCertificate,
  type CertificateWire,
  type KeyPair,
} from '@trellis/node';
import { ConfigError, type ConfigProblem } from '@trellis/runtime';
import { parseAgentConfig } from '../src/config/agent-config.js';
import { loadAgentConfig } from '../src/config/load-config.js';

const base = {
  nodeId: 'agent-1',
  plaintext: true,
  underlay: { ip: '127.0.0.1' },
  overlays: [{ name: 'dcos', subnet: '9.0.0.0/8' }],
};
const day = 86_400_000;

function dir(t: { teardown(f: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'trellis-identity-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** Writes the files of one node's identity into `d` and returns the paths. */
function files(
  d: string,
  name: string,
  node: KeyPair,
  cert: CertificateWire,
  keyMode = 0o600,
): { keyFile: string; certificateFile: string } {
  const keyFile = join(d, `${name}.key`);
  writeFileSync(keyFile, privateKeyToPem(node.privateKey), { mode: keyMode });
  chmodSync(keyFile, keyMode);
  const certificateFile = join(d, `${name}.cert.json`);
  writeFileSync(certificateFile, JSON.stringify(certificateToJson(cert)));
  return { keyFile, certificateFile };
}

function caFile(d: string, name: string, ca: KeyPair): string {
  const f = join(d, `${name}.pub`);
  writeFileSync(f, `${Buffer.from(ca.publicKey).toString('base64')}\n`);
  return f;
}

function configFile(d: string, config: object): string {
  const f = join(d, `agent-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(f, JSON.stringify(config));
  return f;
}

async function problems(file: string): Promise<ConfigProblem[]> {
  try {
    await loadAgentConfig(file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return [...error.problems];
  }
  throw new Error('loaded');
}

const messages = (list: ConfigProblem[], path: string) =>
  list.filter((p) => p.path === path).map((p) => p.message);

test('a CA-signed identity loads and is handed on as createNode takes it', async (t) => {
  const d = dir(t);
  const ca = generateKeyPair();
  const node = generateKeyPair();
  const cert = issueCertificate(ca.privateKey, 'agent-1', node.publicKey, Date.now() + day);
  const identity = { ...files(d, 'n', node, cert), caFiles: [caFile(d, 'ca', ca)] };
  const loaded = await loadAgentConfig(configFile(d, { ...base, identity }));
  t.truthy(loaded.identity);
  t.deepEqual(loaded.identity!.certificate, cert);
  t.deepEqual(loaded.identity!.trust, { cas: [ca.publicKey] });
  t.true(loaded.identity!.privateKey.equals(node.privateKey));
});

test('"identity": "none" runs without one; leaving identity out is a problem that says what to write', async (t) => {
  const d = dir(t);
  t.is((await loadAgentConfig(configFile(d, { ...base, identity: 'none' }))).identity, null);
  const missing = await problems(configFile(d, base));
  t.is(missing.length, 1, JSON.stringify(missing));
  t.regex(
    messages(missing, 'identity')[0]!,
    /is required: add \{ "keyFile".*"caFiles".*or write "identity": "none"/,
  );
  const e = t.throws(() => parseAgentConfig({ ...base, identity: 'off' }), { instanceOf: ConfigError });
  t.regex(e.message, /identity: must be "none" or \{/);
});

test('a key others can read is refused, like ssh does; so is a key file that is not an Ed25519 PEM', async (t) => {
  const d = dir(t);
  const ca = generateKeyPair();
  const node = generateKeyPair();
  const cert = issueCertificate(ca.privateKey, 'agent-1', node.publicKey, Date.now() + day);
  for (const mode of [0o644, 0o640, 0o604, 0o660]) {
    const identity = { ...files(d, `m${mode}`, node, cert, mode), caFiles: [caFile(d, 'ca', ca)] };
    const list = await problems(configFile(d, { ...base, identity }));
    t.regex(
      messages(list, 'identity.keyFile')[0] ?? '',
      new RegExp(`has mode 0${mode.toString(8)}: a private key must not be readable.*chmod 600`),
    );
  }
  if (process.geteuid?.() === 0) {
    // Mode 0600 keeps the key from all but its owner: that must be us (or root).
    const owned = { ...files(d, 'nobody', node, cert), caFiles: [caFile(d, 'ca', ca)] };
    chownSync(owned.keyFile, 65_534, 65_534);
    const list = await problems(configFile(d, { ...base, identity: owned }));
    t.regex(messages(list, 'identity.keyFile')[0] ?? '', /belongs to uid 65534, who can read it: chown it/);
  }
  const identity = { ...files(d, 'ok', node, cert, 0o400), caFiles: [caFile(d, 'ca', ca)] };
  t.truthy((await loadAgentConfig(configFile(d, { ...base, identity }))).identity, 'mode 0400 is stricter');
  writeFileSync(identity.keyFile, 'secret words, not a key\n', { mode: 0o600 });
  chmodSync(identity.keyFile, 0o600);
  const list = await problems(configFile(d, { ...base, identity }));
  const message = messages(list, 'identity.keyFile')[0] ?? '';
  t.regex(message, /is not an Ed25519 private key in PEM/);
  t.false(message.includes('secret words'), 'the content is not quoted');
});

test('a certificate for another id, for another key, expired, or from an untrusted CA: every problem at once', async (t) => {
  const d = dir(t);
  const ca = generateKeyPair();
  const stranger = generateKeyPair();
  const node = generateKeyPair();
  const other = generateKeyPair();
  const trusted = caFile(d, 'ca', ca);
  const load = async (name: string, cert: CertificateWire, extra: object = {}) =>
    problems(
      configFile(d, {
        ...base,
        ...extra,
        identity: { ...files(d, name, node, cert), caFiles: [trusted] },
      }),
    );
  const wrongId = await load(
    'id',
    issueCertificate(ca.privateKey, 'agent-2', node.publicKey, Date.now() + day),
  );
  t.regex(
    messages(wrongId, 'identity.certificateFile')[0]!,
    /is for "agent-2", not for this node \(nodeId "agent-1"\)/,
  );
  const wrongKey = await load(
    'key',
    issueCertificate(ca.privateKey, 'agent-1', other.publicKey, Date.now() + day),
  );
  t.regex(
    messages(wrongKey, 'identity.certificateFile')[0]!,
    /certifies another key than the one in .*key\.key/,
  );
  const expired = await load(
    'old',
    issueCertificate(ca.privateKey, 'agent-1', node.publicKey, Date.now() - 1000),
  );
  t.regex(messages(expired, 'identity.certificateFile')[0]!, /expired at \d{4}-\d\d-\d\dT.*issue a new one/);
  const untrusted = await load(
    'stranger',
    issueCertificate(stranger.privateKey, 'agent-1', node.publicKey, Date.now() + day),
  );
  t.regex(
    messages(untrusted, 'identity.certificateFile')[0]!,
    /is not signed by any CA of identity\.caFiles/,
  );
  // All at once, with the config's other problems: an old certificate for someone else, a bad label.
  const all = await load('all', issueCertificate(ca.privateKey, 'agent-2', other.publicKey, Date.now() - 1), {
    label: 7,
  });
  t.is(messages(all, 'identity.certificateFile').length, 3, JSON.stringify(all));
  t.is(messages(all, 'label').length, 1);
});

test('during a CA rotation both CAs count; a CA file, a certificate file or a key file that is not one is listed', async (t) => {
  const d = dir(t);
  const oldCa = generateKeyPair();
  const newCa = generateKeyPair();
  const node = generateKeyPair();
  const cert = issueCertificate(newCa.privateKey, 'agent-1', node.publicKey, Date.now() + day);
  const caFiles = [caFile(d, 'old', oldCa), caFile(d, 'new', newCa)];
  const identity = { ...files(d, 'n', node, cert), caFiles };
  t.deepEqual((await loadAgentConfig(configFile(d, { ...base, identity }))).identity!.trust, {
    cas: [oldCa.publicKey, newCa.publicKey],
  });
  writeFileSync(join(d, 'garbage.pub'), 'not a key\n');
  writeFileSync(join(d, 'garbage.json'), '{"id": "agent-1"}');
  const list = await problems(
    configFile(d, {
      ...base,
      identity: {
        keyFile: join(d, 'nope.key'),
        certificateFile: join(d, 'garbage.json'),
        caFiles: [caFiles[0], join(d, 'garbage.pub')],
      },
    }),
  );
  t.regex(messages(list, 'identity.keyFile')[0]!, /nope\.key does not exist/);
  t.regex(messages(list, 'identity.certificateFile')[0]!, /must hold a certificate \{ "id", "publicKey"/);
  t.regex(
    messages(list, 'identity.caFiles[1]')[0]!,
    /must hold one line: the base64 of a 32-byte Ed25519 public key/,
  );
  t.is(list.length, 3, JSON.stringify(list));
});

test('an allowlist cluster: the self-signed certificate must match the key the allowlist names', async (t) => {
  const d = dir(t);
  const node = generateKeyPair();
  const other = generateKeyPair();
  const cert = selfCertificate(node.privateKey, 'agent-1', Date.now() + day);
  const allow = (entries: Record<string, Uint8Array>) => {
    const f = join(d, `allow-${Object.keys(entries).join('-')}-${Math.random()}.json`);
    const json = Object.fromEntries(
      Object.entries(entries).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
    );
    writeFileSync(f, JSON.stringify(json));
    return f;
  };
  const own = files(d, 'n', node, cert);
  const ok = await loadAgentConfig(
    configFile(d, {
      ...base,
      identity: { ...own, allowFile: allow({ 'agent-1': node.publicKey, b: other.publicKey }) },
    }),
  );
  t.deepEqual(Object.keys((ok.identity!.trust as { allow: object }).allow), ['agent-1', 'b']);
  const mismatch = await problems(
    configFile(d, { ...base, identity: { ...own, allowFile: allow({ 'agent-1': other.publicKey }) } }),
  );
  t.regex(messages(mismatch, 'identity.allowFile')[0]!, /'s key is not the one .* lists for "agent-1"/);
  const absent = await problems(
    configFile(d, { ...base, identity: { ...own, allowFile: allow({ b: node.publicKey }) } }),
  );
  t.is(messages(absent, 'identity.allowFile').length, 1);
  // Signed by someone else (a CA's certificate in an allowlist cluster): not a proof of the key.
  const caSigned = files(
    d,
    'c',
    node,
    issueCertificate(other.privateKey, 'agent-1', node.publicKey, Date.now() + day),
  );
  const list = await problems(
    configFile(d, { ...base, identity: { ...caSigned, allowFile: allow({ 'agent-1': node.publicKey }) } }),
  );
  t.regex(messages(list, 'identity.certificateFile')[0]!, /is not signed by its own key/);
  writeFileSync(
    join(d, 'bad-allow.json'),
    JSON.stringify({ 'agent-1': 'short', '': Buffer.alloc(32).toString('base64') }),
  );
  const bad = await problems(
    configFile(d, { ...base, identity: { ...own, allowFile: join(d, 'bad-allow.json') } }),
  );
  t.is(messages(bad, 'identity.allowFile').length, 2, JSON.stringify(bad));
});

test('the identity setting: exactly one trust, known keys, paths', (t) => {
  const e = t.throws(
    () =>
      parseAgentConfig({
        ...base,
        identity: { keyFile: '', certificateFile: 5, caFiles: ['/a'], allowFile: '/b', extra: 1 },
      }),
    { instanceOf: ConfigError },
  );
  const paths = e.problems.map((p) => p.path).sort();
  t.deepEqual(paths, ['identity', 'identity.certificateFile', 'identity.extra', 'identity.keyFile']);
  const empty = t.throws(
    () => parseAgentConfig({ ...base, identity: { keyFile: '/k', certificateFile: '/c', caFiles: [] } }),
    { instanceOf: ConfigError },
  );
  t.regex(empty.message, /identity\.caFiles: must list 1-16 CA public key files/);
});
