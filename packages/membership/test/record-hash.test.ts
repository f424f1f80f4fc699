import test from 'ava';
import { recordHash, type MemberRecord } from '../src/index.js';

const base: MemberRecord = { id: 'n', addr: 'h:1', incarnation: 3, status: 'alive', meta: Uint8Array.of(1) };

test('recordHash covers every field', (t) => {
  const h = recordHash(base);
  t.deepEqual(recordHash({ ...base, meta: Uint8Array.of(1) }), h);
  for (const changed of [
    { ...base, id: 'm' },
    { ...base, addr: 'h:2' },
    { ...base, incarnation: 4 },
    { ...base, status: 'suspect' as const },
    { ...base, meta: Uint8Array.of(2) },
    { ...base, meta: Uint8Array.of(1, 0) },
  ]) {
    t.notDeepEqual(recordHash(changed), h);
  }
});
