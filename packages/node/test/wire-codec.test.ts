import test from 'ava';
import { createDecipheriv } from 'node:crypto';
import { ConfigError } from '@trellis/runtime';
import { Keyring } from '../src/keyring.js';
import { FrameTooLargeError, WireCodec } from '../src/wire/wire-codec.js';

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const fromHex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s+/g, ''), 'hex'));
const KEY = new Uint8Array(32).fill(7);

// {t:'ping',seq:1} as plain msgpack: fixmap(2) 't' 'ping' 'seq' 1
const PING = '82 a174 a470696e67 a3736571 01';
// {t:'ack',seq:1}
const ACK = '82 a174 a361636b a3736571 01';

test('golden: one message in a plaintext envelope', (t) => {
  const { packets, oversized } = new WireCodec().encodeDatagrams([{ t: 'ping', seq: 1 }]);
  t.deepEqual(oversized, []);
  t.is(hex(packets[0]!), hex(fromHex(`01 00 91 ${PING}`)));
});

test('golden: a compound packet of two messages', (t) => {
  const codec = new WireCodec();
  const { packets } = codec.encodeDatagrams([
    { t: 'ping', seq: 1 },
    { t: 'ack', seq: 1 },
  ]);
  t.is(packets.length, 1);
  t.is(hex(packets[0]!), hex(fromHex(`01 00 92 ${PING} ${ACK}`)));
  t.deepEqual(codec.decode(packets[0]!), {
    ok: true,
    messages: [
      { t: 'ping', seq: 1 },
      { t: 'ack', seq: 1 },
    ],
  });
});

test('golden: a stream frame uses the same envelope', (t) => {
  t.is(hex(new WireCodec().encodeFrame([{ t: 'ping', seq: 1 }])), hex(fromHex(`01 00 91 ${PING}`)));
});

test('golden: encrypted layout is version | flags | nonce | ciphertext | tag, AAD = header | label', (t) => {
  const codec = new WireCodec({ keyring: new Keyring(KEY), label: 'dc1' });
  const packet = codec.encodeDatagrams([{ t: 'ping', seq: 1 }]).packets[0]!;
  const body = fromHex(`91 ${PING}`);
  t.is(packet.length, 2 + 12 + body.length + 16);
  t.is(hex(packet.subarray(0, 2)), '0101');
  const decipher = createDecipheriv('aes-256-gcm', KEY, packet.subarray(2, 14));
  decipher.setAAD(Buffer.concat([Buffer.from([1, 1]), Buffer.from('dc1')]));
  decipher.setAuthTag(packet.subarray(packet.length - 16));
  const plain = Buffer.concat([decipher.update(packet.subarray(14, packet.length - 16)), decipher.final()]);
  t.is(hex(plain), hex(body));
});

test('round trip keeps types msgpack has: numbers, strings, binary, nesting, null', (t) => {
  const codec = new WireCodec({ keyring: new Keyring(KEY) });
  const message = {
    t: 'push',
    n: -3,
    f: 1.5,
    big: 2 ** 40,
    s: 'é',
    b: new Uint8Array([1, 2]),
    l: [null, true, { x: 'y' }],
  };
  const decoded = codec.decode(codec.encodeFrame([message]), 'stream');
  t.true(decoded.ok);
  if (decoded.ok) {
    const got = decoded.messages[0] as typeof message;
    t.deepEqual({ ...got, b: new Uint8Array(got.b) }, message);
  }
});

test('packing fills packets up to the budget and hands back messages that never fit', (t) => {
  for (const keyring of [undefined, new Keyring(KEY)]) {
    const codec = new WireCodec({ keyring, packetBudgetBytes: 200 });
    const messages = Array.from({ length: 40 }, (_, i) => ({ t: 'g', i, pad: 'x'.repeat(i % 7) }));
    const big = { t: 'big', pad: 'y'.repeat(300) };
    const { packets, oversized } = codec.encodeDatagrams([
      ...messages.slice(0, 20),
      big,
      ...messages.slice(20),
    ]);
    t.deepEqual(oversized, [big]);
    t.true(packets.length > 1);
    const received: unknown[] = [];
    for (const packet of packets) {
      t.true(packet.length <= 200, `packet of ${packet.length} bytes`);
      const decoded = codec.decode(packet);
      if (decoded.ok) received.push(...decoded.messages);
    }
    t.deepEqual(received, messages, 'every message once, in order');
    // Greedy: every packet but the last could not take the next message.
    t.true(packets.slice(0, -1).every((p) => p.length > 200 - 20));
  }
});

test('a message exactly at the budget fits; one byte more is oversized', (t) => {
  const codec = new WireCodec({ packetBudgetBytes: 100 });
  // 2 envelope + 1 array header + fixmap(1) 'p' str8(len) = 2 + 1 + 1 + 2 + 2 + len
  const exact = { p: 'z'.repeat(100 - 8) };
  t.is(codec.encodeDatagrams([exact]).packets[0]!.length, 100);
  t.deepEqual(codec.encodeDatagrams([{ p: 'z'.repeat(93) }]).packets, []);
});

test('the array header grows past 15 messages and packing accounts for it', (t) => {
  const codec = new WireCodec({ packetBudgetBytes: 64 });
  const { packets } = codec.encodeDatagrams(Array.from({ length: 100 }, () => 0));
  t.true(packets.every((p) => p.length <= 64));
  t.is(packets[0]!.length, 64); // 2 + 3 (array16) + 59 one-byte messages
  t.is(
    packets.reduce(
      (n, p) => n + (codec.decode(p).ok ? (codec.decode(p) as { messages: unknown[] }).messages.length : 0),
      0,
    ),
    100,
  );
});

test('encodeFrame refuses frames over streamSizeMax with a typed error', (t) => {
  const codec = new WireCodec({ streamSizeMax: 1024 });
  const error = t.throws(() => codec.encodeFrame([{ pad: 'x'.repeat(2000) }]), {
    instanceOf: FrameTooLargeError,
  });
  t.is(error?.code, 'ERR_TRELLIS_OVERSIZED');
});

test('rejections are results with a reason, counted by reason', (t) => {
  const plain = new WireCodec({ datagramSizeMax: 1500, packetBudgetBytes: 1400 });
  const secure = new WireCodec({ keyring: new Keyring(KEY) });
  const cases: [WireCodec, string, string][] = [
    [plain, '', 'truncated'],
    [plain, '01', 'truncated'],
    [plain, '02 00 90', 'version'],
    [plain, '01 02 90', 'flags'], // compressed: reserved
    [plain, '01 80 90', 'flags'],
    [plain, '01 01 90', 'unexpected-encrypted'],
    [secure, '01 00 90', 'unexpected-plaintext'],
    [secure, '01 01 00', 'truncated'],
    [secure, `01 01 ${'00'.repeat(40)}`, 'decrypt'],
    [plain, '01 00 81 a1 74 01', 'not-array'],
    [plain, '01 00', 'not-array'],
    [plain, '01 00 dd ffffffff', 'too-many-messages'],
    [plain, '01 00 dc 0010 01', 'malformed'], // declares 16, has 1
    [plain, '01 00 92 01', 'malformed'],
    [plain, '01 00 91 01 02', 'malformed'], // trailing bytes
    [plain, '01 00 91 db ffffffff 61', 'malformed'], // string length bomb
    [plain, '01 00 91 c6 ffffffff', 'malformed'], // binary length bomb
    [plain, '01 00 91 df ffffffff', 'malformed'], // map length bomb
  ];
  for (const [codec, bytes, reason] of cases)
    t.deepEqual(codec.decode(fromHex(bytes)), { ok: false, reason }, bytes);
  t.deepEqual(plain.decode(new Uint8Array(1501)), { ok: false, reason: 'oversized' });
  t.deepEqual(plain.decode(new Uint8Array(1501), 'stream'), { ok: false, reason: 'version' });
  t.is(plain.rejections().malformed, 6);
  t.is(plain.rejections().oversized, 1);
  t.is(secure.rejectedTotal, 3);
});

test('deep nesting is rejected, not a stack overflow', (t) => {
  // frameItemsMax above the 500,000 values, so that the nesting itself is what gets judged.
  const codec = new WireCodec({ streamSizeMax: 1024 * 1024, frameItemsMax: 1_000_000 });
  const bytes = new Uint8Array(500_000).fill(0x91);
  bytes.set([1, 0], 0);
  t.deepEqual(codec.decode(bytes, 'stream'), { ok: false, reason: 'malformed' });
  // Within the default limits it is refused before anything is decoded.
  t.deepEqual(new WireCodec({ streamSizeMax: 1024 * 1024 }).decode(bytes, 'stream'), {
    ok: false,
    reason: 'too-many-items',
  });
});

test('__proto__ keys do not pollute prototypes', (t) => {
  const codec = new WireCodec();
  const result = codec.decode(fromHex('01 00 91 81 a9 5f5f70726f746f5f5f 81 a1 78 01'));
  t.true(result.ok);
  t.is(({} as Record<string, unknown>)['x'], undefined);
});

test('config problems are all listed at once', (t) => {
  const error = t.throws(
    () => new WireCodec({ packetBudgetBytes: 70_000, streamSizeMax: 1, datagramMessagesMax: 0 }),
    {
      instanceOf: ConfigError,
    },
  );
  t.deepEqual(error?.problems.map((p) => p.path).sort(), [
    'datagramMessagesMax',
    'packetBudgetBytes',
    'packetBudgetBytes',
    'streamSizeMax',
  ]);
});
