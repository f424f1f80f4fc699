import test from 'ava';
import { isValidAddr, isValidId, isValidIncarnation, validateRecord } from '../src/index.js';

test('ids: 1..128 UTF-16 code units without control characters', (t) => {
  for (const ok of ['a', 'node-1.example', 'x'.repeat(128), 'nœud-☃', 'a b']) t.true(isValidId(ok), ok);
  for (const bad of ['', 'x'.repeat(129), 'a\nb', 'a\u0000', '\u007f', '\u0085', 1, null]) {
    t.false(isValidId(bad), JSON.stringify(bad));
  }
});

test('addrs: host:port with port 1..65535, IPv6 in brackets', (t) => {
  for (const ok of [
    '10.0.0.1:7946',
    'node-1.example.com:1',
    '[::1]:7946',
    '[fe80::1:2]:65535',
    '[::ffff:1.2.3.4]:80',
  ]) {
    t.true(isValidAddr(ok), ok);
  }
  for (const bad of [
    '10.0.0.1',
    '10.0.0.1:0',
    '10.0.0.1:65536',
    '::1:7946',
    '[1.2.3.4]:80',
    '[::1]',
    ':80',
    'host:port',
    'a b:80',
    `${'h'.repeat(300)}:80`,
    42,
  ]) {
    t.false(isValidAddr(bad), JSON.stringify(bad));
  }
});

test('incarnations: non-negative safe integers', (t) => {
  for (const ok of [0, 1, 1_700_000_000, Number.MAX_SAFE_INTEGER]) t.true(isValidIncarnation(ok));
  for (const bad of [-1, 0.5, Number.NaN, Infinity, 2 ** 53, '1', 1n]) t.false(isValidIncarnation(bad));
});

test('a valid remote record comes back frozen, with a private plain Uint8Array meta', (t) => {
  const backing = new Uint8Array([9, 1, 2, 9]);
  const meta = backing.subarray(1, 3);
  const v = validateRecord({ id: 'a', addr: 'h:1', incarnation: 1, status: 'dead', meta, extra: true }, 8);
  t.true(v.ok);
  if (!v.ok) return;
  t.true(Object.isFrozen(v.record));
  t.deepEqual(v.record.meta, Uint8Array.of(1, 2));
  t.is(v.record.meta.buffer.byteLength, 2);
  t.false('extra' in v.record);
});

test('meta is checked against the given bound', (t) => {
  const r = { id: 'a', addr: 'h:1', incarnation: 1, status: 'alive', meta: new Uint8Array(9) };
  t.deepEqual(validateRecord(r, 8), { ok: false, reason: 'metaTooLarge' });
  t.true(validateRecord(r, 9).ok);
});

test('hostile inputs are malformed, not thrown', (t) => {
  const proxy = new Proxy(
    {},
    {
      get() {
        throw new Error('trap');
      },
    },
  );
  t.deepEqual(validateRecord(proxy, 8), { ok: false, reason: 'malformed' });
  t.deepEqual(validateRecord(undefined, 8), { ok: false, reason: 'malformed' });
  t.deepEqual(validateRecord(Object.create(null), 8), { ok: false, reason: 'malformed' });
});
