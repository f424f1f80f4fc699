import test from 'ava';
import { Keyring, KeyringError } from '../src/keyring.js';
import { WireCodec } from '../src/wire/wire-codec.js';

const A = new Uint8Array(32).fill(0xaa);
const B = new Uint8Array(32).fill(0xbb);
const C = new Uint8Array(32).fill(0xcc);
const aad = new TextEncoder().encode('cluster');
const plain = new TextEncoder().encode('hello');

test('seal/open round-trips with the primary and any accepted key', (t) => {
  const sender = new Keyring(A);
  const receiver = new Keyring(B, A);
  const sealed = sender.seal(plain, aad);
  t.is(sealed.length, 12 + plain.length + 16);
  const opened = receiver.open(sealed, aad);
  t.true(opened.ok);
  if (opened.ok) t.deepEqual(new Uint8Array(opened.plaintext), plain);
});

test('a wrong key, a wrong label or a flipped bit fails as a result, not a throw', (t) => {
  const sealed = new Keyring(A).seal(plain, aad);
  t.deepEqual(new Keyring(B).open(sealed, aad), { ok: false, reason: 'decrypt' });
  t.deepEqual(new Keyring(A).open(sealed, new TextEncoder().encode('other')), {
    ok: false,
    reason: 'decrypt',
  });
  for (let i = 0; i < sealed.length; i++) {
    const bad = new Uint8Array(sealed);
    bad[i]! ^= 0x01;
    t.false(new Keyring(A).open(bad, aad).ok, `bit flip at byte ${i}`);
  }
  t.false(new Keyring(A).open(sealed.subarray(0, 27), aad).ok);
});

test('nonces are random: sealing twice gives different bytes', (t) => {
  const ring = new Keyring(A);
  t.notDeepEqual(ring.seal(plain, aad), ring.seal(plain, aad));
});

test('add, use, remove and keys() keep the primary first', (t) => {
  const ring = new Keyring(A);
  ring.add(B);
  ring.add(B);
  t.deepEqual(ring.keys(), [A, B]);
  ring.use(B);
  t.deepEqual(ring.keys(), [B, A]);
  t.deepEqual(ring.primary(), B);
  ring.remove(A);
  t.deepEqual(ring.keys(), [B]);
  ring.remove(C); // not present: nothing to do
  t.deepEqual(ring.keys(), [B]);
});

test('the primary cannot be removed and an unknown key cannot be used', (t) => {
  const ring = new Keyring(A, B);
  const removal = t.throws(() => ring.remove(A), { instanceOf: KeyringError });
  t.is(removal?.code, 'ERR_TRELLIS_KEY_PRIMARY');
  t.is(removal?.name, 'KeyringError');
  t.is(t.throws(() => ring.use(C), { instanceOf: KeyringError })?.code, 'ERR_TRELLIS_KEY_UNKNOWN');
});

test('keys are validated: length and base64, with what is expected in the message', (t) => {
  const short = t.throws(() => new Keyring(new Uint8Array(16)), { instanceOf: KeyringError });
  t.is(short?.code, 'ERR_TRELLIS_KEY_INVALID');
  t.regex(short?.message ?? '', /32 bytes.*got 16 bytes/);
  t.throws(() => new Keyring('not base64!'), { code: 'ERR_TRELLIS_KEY_INVALID' });
  t.throws(() => new Keyring(Buffer.alloc(24).toString('base64')), { message: /32 bytes.*got 24/ });
  const b64 = Buffer.from(A).toString('base64');
  t.deepEqual(new Keyring(b64).primary(), A);
});

test('the keyring copies keys: mutating the caller buffer changes nothing', (t) => {
  const key = new Uint8Array(A);
  const ring = new Keyring(key);
  key.fill(0);
  t.deepEqual(ring.primary(), A);
  ring.keys()[0]!.fill(0);
  t.deepEqual(ring.primary(), A);
});

test('rotation add (everywhere) -> use -> remove loses no message between two nodes at any step', (t) => {
  const label = 'prod';
  const ringX = new Keyring(A);
  const ringY = new Keyring(A);
  const x = new WireCodec({ keyring: ringX, label });
  const y = new WireCodec({ keyring: ringY, label });
  const exchange = (step: string): void => {
    for (const [from, to] of [
      [x, y],
      [y, x],
    ] as const) {
      const { packets } = from.encodeDatagrams([{ t: 'ping', step }]);
      const got = to.decode(packets[0]!);
      t.deepEqual(got, { ok: true, messages: [{ t: 'ping', step }] }, step);
    }
  };
  exchange('start: both {A}');
  ringY.add(B);
  exchange('X {A}, Y {A primary, B}');
  ringX.add(B);
  exchange('both {A primary, B}');
  ringY.use(B);
  exchange('X {A primary, B}, Y {B primary, A}');
  ringX.use(B);
  exchange('both {B primary, A}');
  ringX.remove(A);
  exchange('X {B}, Y {B primary, A}');
  ringY.remove(A);
  exchange('both {B}');
});

test('a node that left the rotation behind cannot read the new key', (t) => {
  const old = new WireCodec({ keyring: new Keyring(A) });
  const moved = new WireCodec({ keyring: new Keyring(B, A) });
  const { packets } = moved.encodeDatagrams([{ t: 'x' }]);
  t.deepEqual(old.decode(packets[0]!), { ok: false, reason: 'decrypt' });
  t.is(old.rejections().decrypt, 1);
  // ...but the one that moved ahead still reads the laggard, which is why `use` comes after `add` everywhere.
  t.true(moved.decode(old.encodeDatagrams([{ t: 'x' }]).packets[0]!).ok);
});
