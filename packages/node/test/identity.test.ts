import test from 'ava';
import { ConfigError } from '@trellis/runtime';
import { createNode } from '../src/create-node.js';
import { generateKeyPair } from '../src/identity/ed25519.js';
import {
  certificateFromJson,
  certificateOnRecord,
  certificateToJson,
  issueCertificate,
} from '../src/identity/certificate.js';
import { IdentityError, NodeIdentity, selfCertificate } from '../src/identity/node-identity.js';

const later = Date.UTC(2100, 0, 1);
const now = Date.UTC(2026, 11, 1);

function node(ca: ReturnType<typeof generateKeyPair>, id: string, notAfter = later, cas = [ca.publicKey]) {
  const k = generateKeyPair();
  const certificate = issueCertificate(ca.privateKey, id, k.publicKey, notAfter);
  return {
    key: k,
    certificate,
    identity: new NodeIdentity(id, { privateKey: k.privateKey, certificate, trust: { cas } }),
  };
}

test('a CA-signed node admits its peers, verifies their signatures and refuses everyone else', (t) => {
  const ca = generateKeyPair();
  const a = node(ca, 'a');
  const b = node(ca, 'b');
  t.is(a.identity.admit('b', b.certificate, now), undefined);
  t.true(a.identity.admitted('b', now));
  t.false(a.identity.admitted('b', later + 1), 'not once its certificate expired');
  const payload = new TextEncoder().encode('route b');
  const sig = b.identity.sign(payload);
  t.true(a.identity.verify('b', payload, sig));
  t.true(a.identity.verify('b', payload, sig), 'a cached result holds');
  t.false(a.identity.verify('b', new TextEncoder().encode('route B'), sig), 'other bytes');
  t.false(a.identity.verify('b', payload, a.identity.sign(payload)), "a's signature is not b's");
  t.false(a.identity.verify('c', payload, sig), 'not admitted');
  t.false(a.identity.verify('b', payload, 'not bytes'));

  const other = node(generateKeyPair(), 'c');
  t.is(a.identity.admit('c', other.certificate, now), 'untrustedCertificate');
  t.is(a.identity.admit('d', b.certificate, now), 'certificateMismatch', "b's certificate presented as d's");
  t.is(a.identity.admit('e', node(ca, 'e', now - 1).certificate, now), 'certificateExpired');
  t.is(a.identity.admit('b', { ...b.certificate, s: new Uint8Array(64) }, now), 'untrustedCertificate');
  t.is(a.identity.admit('b', { i: 'b' }, now), 'badCertificate');
  t.is(a.identity.admit('b', null, now), 'badCertificate');
  t.false(a.identity.admitted('c', now));
});

test('a renewed certificate replaces the older one, and the older never comes back', (t) => {
  const ca = generateKeyPair();
  const a = node(ca, 'a');
  const b = node(ca, 'b', Date.UTC(2027, 0, 1));
  t.is(a.identity.admit('b', b.certificate, now), undefined);
  const renewed = issueCertificate(ca.privateKey, 'b', b.key.publicKey, Date.UTC(2028, 0, 1));
  t.is(a.identity.admit('b', renewed, now), undefined);
  t.deepEqual(a.identity.certificateOf('b'), certificateOnRecord(renewed));
  t.is(a.identity.admit('b', b.certificate, now), 'certificateSuperseded');
});

test('during a CA rotation a node trusting both CAs admits nodes of either', (t) => {
  const oldCa = generateKeyPair();
  const newCa = generateKeyPair();
  const a = node(oldCa, 'a', later, [oldCa.publicKey, newCa.publicKey]);
  t.is(a.identity.admit('b', node(newCa, 'b').certificate, now), undefined);
  t.is(a.identity.admit('c', node(oldCa, 'c').certificate, now), undefined);
});

test('an allowlist admits exactly the keys it names, each proven by a self-signed certificate', (t) => {
  const ka = generateKeyPair();
  const kb = generateKeyPair();
  const allow = { a: ka.publicKey, b: kb.publicKey };
  const a = new NodeIdentity('a', {
    privateKey: ka.privateKey,
    certificate: selfCertificate(ka.privateKey, 'a', later),
    trust: { allow },
  });
  t.is(a.admit('b', selfCertificate(kb.privateKey, 'b', later), now), undefined);
  const intruder = generateKeyPair();
  t.is(
    a.admit('b', selfCertificate(intruder.privateKey, 'b', later), now),
    'notAllowed',
    "another key under b's id",
  );
  t.is(a.admit('c', selfCertificate(intruder.privateKey, 'c', later), now), 'notAllowed');
  // b's key, but the certificate signed by someone else: no proof that the sender holds it.
  t.is(a.admit('b', issueCertificate(intruder.privateKey, 'b', kb.publicKey, later), now), 'badCertificate');
});

test('a local identity that cannot work is an IdentityError naming why', (t) => {
  const ca = generateKeyPair();
  const k = generateKeyPair();
  const cert = issueCertificate(ca.privateKey, 'a', k.publicKey, later);
  const make = (id: string, o: Partial<ConstructorParameters<typeof NodeIdentity>[1]>) =>
    new NodeIdentity(id, {
      privateKey: k.privateKey,
      certificate: cert,
      trust: { cas: [ca.publicKey] },
      ...o,
    });
  t.throws(() => make('b', {}), { instanceOf: IdentityError, message: /certificate is for "a", not "b"/ });
  t.throws(() => make('a', { privateKey: generateKeyPair().privateKey }), { message: /another public key/ });
  t.throws(() => make('a', { trust: { cas: [generateKeyPair().publicKey] } }), {
    message: /untrustedCertificate/,
  });
  t.throws(() => make('a', { trust: { cas: [] } }), { message: /no CA is trusted/ });
  t.throws(() => make('a', { trust: { cas: [new Uint8Array(3)] } }), {
    message: /not an Ed25519 public key/,
  });
});

test('certificates survive their JSON file form, and a tampered file is not one', (t) => {
  const ca = generateKeyPair();
  const cert = issueCertificate(ca.privateKey, 'a', generateKeyPair().publicKey, later);
  const json = JSON.parse(JSON.stringify(certificateToJson(cert))) as Record<string, unknown>;
  t.deepEqual(certificateFromJson(json), cert);
  t.is(certificateFromJson({ ...json, publicKey: 'AAAA' }), undefined);
  t.is(certificateFromJson({ ...json, notAfter: 'soon' }), undefined);
  t.is(certificateFromJson('x'), undefined);
});

test('createNode checks the identity with the other options, before anything is bound', async (t) => {
  const ca = generateKeyPair();
  const k = generateKeyPair();
  const certificate = issueCertificate(ca.privateKey, 'someone-else', k.publicKey, later);
  const error = await t.throwsAsync(
    createNode({
      id: 'a',
      bind: '127.0.0.1:0',
      keyring: null,
      identity: { privateKey: k.privateKey, certificate, trust: { cas: [ca.publicKey] } },
      seeds: ['nope'],
    }),
    { instanceOf: ConfigError },
  );
  t.regex(error.message, /identity/);
  t.regex(error.message, /seeds/, 'every problem at once');
});

test('two nodes with identity on real UDP join and see each other; a node of another CA is refused', async (t) => {
  const ca = generateKeyPair();
  const opts = (id: string, caKey = ca) => {
    const n = node(caKey, id);
    return {
      id,
      bind: '127.0.0.1:0' as const,
      keyring: null,
      identity: { privateKey: n.key.privateKey, certificate: n.certificate, trust: { cas: [ca.publicKey] } },
    };
  };
  const a = await createNode(opts('a'));
  const b = await createNode({ ...opts('b'), seeds: [a.address] });
  try {
    await b.joined();
    await until(() => a.members().some((m) => m.id === 'b' && m.status === 'alive'));
    t.true(b.members().some((m) => m.id === 'a' && m.status === 'alive'));
    const strangerCa = generateKeyPair();
    const strangerKey = node(strangerCa, 'x');
    const x = await createNode({
      id: 'x',
      bind: '127.0.0.1:0',
      keyring: null,
      seeds: [a.address],
      swim: { joinAttemptsMax: 1 },
      identity: {
        privateKey: strangerKey.key.privateKey,
        certificate: strangerKey.certificate,
        trust: { cas: [strangerCa.publicKey, ca.publicKey] },
      },
    });
    try {
      await until(() => (a.stats().rejected['member:untrustedCertificate'] ?? 0) > 0);
      t.false(
        a.members().some((m) => m.id === 'x'),
        'x is not a member of a',
      );
    } finally {
      await x.close();
    }
  } finally {
    await b.close();
    await a.close();
  }
});

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('the verification cache keeps digests, not payloads: large forged payloads cannot fill memory', (t) => {
  const ca = generateKeyPair();
  const a = node(ca, 'a');
  const b = node(ca, 'b');
  t.is(a.identity.admit('b', b.certificate, now), undefined);
  // A `us` send may carry 1 MiB; an attacker only needs an admitted id and a wrong signature.
  const payload = new Uint8Array(1024 * 1024);
  const view = new DataView(payload.buffer);
  const sig = new Uint8Array(64);
  const before = process.memoryUsage().heapUsed;
  for (let n = 0; n < 200; n++) {
    view.setUint32(0, n);
    t.false(a.identity.verify('b', payload, sig));
  }
  const grown = process.memoryUsage().heapUsed - before;
  t.log(`heap grew ${(grown / 2 ** 20).toFixed(1)} MiB for 200 refused 1 MiB payloads`);
  t.true(grown < 64 * 2 ** 20, `heap grew ${grown} bytes`);
});

test('a signature by a rotated-out key stops verifying, even one verified (and cached) before', (t) => {
  const ca = generateKeyPair();
  const a = node(ca, 'a');
  const b = node(ca, 'b', Date.UTC(2027, 0, 1));
  t.is(a.identity.admit('b', b.certificate, now), undefined);
  const payload = new TextEncoder().encode('route b, signed by the key that leaked');
  const old = b.identity.sign(payload);
  t.true(a.identity.verify('b', payload, old));
  const fresh = generateKeyPair();
  const rotated = issueCertificate(ca.privateKey, 'b', fresh.publicKey, Date.UTC(2028, 0, 1));
  t.is(a.identity.admit('b', rotated, now), undefined);
  t.false(a.identity.verify('b', payload, old), 'the old key no longer speaks for b');
});

test('a certificate that does not expire later than the admitted one is refused: two never trade places', (t) => {
  const ca = generateKeyPair();
  const a = node(ca, 'a');
  const b = node(ca, 'b', Date.UTC(2027, 0, 1));
  t.is(a.identity.admit('b', b.certificate, now), undefined);
  // A new key certified with the same expiry date: were it taken, whoever replays the old
  // certificate (anyone: it is gossiped) would put the old key back, and the two keys would
  // trade places at every message, each time refusing the other's records.
  const fresh = generateKeyPair();
  const sameDay = issueCertificate(ca.privateKey, 'b', fresh.publicKey, b.certificate.n);
  t.is(a.identity.admit('b', sameDay, now), 'certificateSuperseded', 'a rotation must expire later');
  t.is(a.identity.admit('b', b.certificate, now), undefined);
  t.deepEqual(a.identity.certificateOf('b'), certificateOnRecord(b.certificate));
});
