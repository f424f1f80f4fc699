import test from 'ava';
import { formatAddress, parseAddress } from '../src/transport/address.js';
import { FrameReader, frameHeader } from '../src/transport/frame-reader.js';

test('formatAddress brackets IPv6 and unmaps IPv4-mapped addresses', (t) => {
  t.is(formatAddress('127.0.0.1', 7946), '127.0.0.1:7946');
  t.is(formatAddress('::1', 7946), '[::1]:7946');
  t.is(formatAddress('fe80::1', 1), '[fe80::1]:1');
  t.is(formatAddress('::ffff:10.0.0.1', 7946), '10.0.0.1:7946');
  t.is(formatAddress('node-1.example', 7946), 'node-1.example:7946');
});

test('parseAddress accepts host:port and [v6]:port, rejects the rest', (t) => {
  t.deepEqual(parseAddress('127.0.0.1:7946'), { host: '127.0.0.1', port: 7946 });
  t.deepEqual(parseAddress('[::1]:7946'), { host: '::1', port: 7946 });
  t.deepEqual(parseAddress('node-1:1'), { host: 'node-1', port: 1 });
  for (const bad of [
    '',
    ':80',
    '127.0.0.1',
    '127.0.0.1:',
    '127.0.0.1:0',
    '127.0.0.1:65536',
    '::1:80',
    '[::1]',
    '[x]:80',
    '1.2.3.4:8a',
  ]) {
    t.is(parseAddress(bad), undefined, bad);
  }
});

test('FrameReader assembles a frame from any chunking and stops at the limit', (t) => {
  const payload = Uint8Array.from({ length: 10 }, (_, i) => i);
  const wire = Buffer.concat([frameHeader(10), payload]);
  for (let cut = 1; cut < wire.length; cut++) {
    const reader = new FrameReader(10);
    t.deepEqual(reader.push(wire.subarray(0, cut)), { state: 'partial' });
    const done = reader.push(wire.subarray(cut));
    t.is(done.state, 'complete');
    if (done.state === 'complete') t.deepEqual(new Uint8Array(done.payload), payload);
  }
  t.deepEqual(new FrameReader(9).push(wire), { state: 'oversized', declaredBytes: 10 });
  const empty = new FrameReader(9).push(frameHeader(0));
  t.is(empty.state, 'complete');
});
