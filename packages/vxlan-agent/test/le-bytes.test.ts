import test from 'ava';
import fc from 'fast-check';
import { getU16, getU32, setU16, setU32, zero } from '../src/executor/le-bytes.js';

test('the index stores write what Buffer writes, for every 16- and 32-bit value', (t) => {
  t.notThrows(() =>
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffffffff }), (a, b) => {
        const ours = Buffer.alloc(8, 0xaa);
        const node = Buffer.alloc(8, 0xaa);
        setU16(ours, 1, a);
        setU32(ours, 3, b);
        node.writeUInt16LE(a, 1);
        node.writeUInt32LE(b, 3);
        return ours.equals(node) && getU16(ours, 1) === a && getU32(ours, 3) === b;
      }),
    ),
  );
});

test('zero clears exactly [from, to)', (t) => {
  const buf = Buffer.alloc(8, 0xff);
  zero(buf, 2, 5);
  t.deepEqual([...buf], [0xff, 0xff, 0, 0, 0, 0xff, 0xff, 0xff]);
});
