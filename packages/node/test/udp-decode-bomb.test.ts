import test from 'ava';
import { connect } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createNode } from '../src/index.js';
import { frameHeader } from '../src/transport/frame-reader.js';
import { withPreamble } from '../src/transport/request-preamble.js';
import { WireCodec } from '../src/wire/wire-codec.js';

// Real TCP on loopback: 10 request frames, one every 300 ms (the attack measured 50 in 30 s),
// each a join whose body is one msgpack map of 1.3 M distinct keys in just under 8 MiB
// (streamSizeMax), sent to a node in this process. Decoding one held the event loop 0.9-4.4 s;
// the node must refuse them without holding the loop 100 ms.
const bombs = 10;
const keys = 1_300_000;

/**
 * The frame written byte by byte (building it as an object first would leave 100 MB of garbage
 * for the collector to pause on while we measure): envelope (version 1, plaintext), then
 * `[{ t: 'join', x: { <keys distinct keys>: 0 } }]`.
 */
function bombFrame(from: string): Buffer {
  const head = Buffer.from([
    0x01, 0x00, 0x91, 0x82, 0xa1, 0x74, 0xa4, 0x6a, 0x6f, 0x69, 0x6e, 0xa1, 0x78, 0xdf,
  ]);
  const count = Buffer.alloc(4);
  count.writeUInt32BE(keys);
  const entries = Buffer.alloc(keys * 6);
  let at = 0;
  for (let i = 0; i < keys; i++) {
    const key = i.toString(36);
    entries[at++] = 0xa0 | key.length;
    at += entries.write(key, at, 'latin1');
    entries[at++] = 0x00;
  }
  const payload = withPreamble(from, Buffer.concat([head, count, entries.subarray(0, at)]));
  return Buffer.concat([frameHeader(payload.length), payload]);
}

async function send(frame: Buffer, host: string, port: number): Promise<void> {
  const s = connect({ host, port });
  s.on('error', () => undefined);
  await new Promise<void>((resolve) => s.once('connect', () => resolve()));
  s.write(frame);
  await new Promise<void>((resolve) => {
    s.once('close', () => resolve());
    setTimeout(() => {
      s.destroy();
      resolve();
    }, 5000);
  });
}

test.serial('decode-bomb frames: refused, and the event loop never stalls 100 ms', async (t) => {
  const node = await createNode({ id: 'a', bind: '127.0.0.1:0', seeds: [], profile: 'local', keyring: null });
  t.teardown(() => node.close());
  const frame = bombFrame('127.0.0.1:1');
  t.true(frame.length < 8 * 1024 * 1024, `${frame.length} bytes: within streamSizeMax`);
  const [host, port] = [node.address.split(':')[0]!, Number(node.address.split(':')[1])];
  const delay = monitorEventLoopDelay({ resolution: 10 });
  await sleep(100);
  delay.enable();
  for (let i = 0; i < bombs; i++) {
    await send(frame, host, port);
    await sleep(300);
  }
  await sleep(200);
  delay.disable();
  const maxMs = delay.max / 1e6;
  const rejected = node.stats().rejected;
  t.log(
    `${bombs} bombs of ${frame.length} bytes: event-loop delay max ${maxMs.toFixed(1)} ms, ` +
      `p99 ${(delay.percentile(99) / 1e6).toFixed(1)} ms; rejected ${JSON.stringify(rejected)}`,
  );
  t.is(rejected['wire:too-many-items'], bombs);
  t.true(maxMs < 100, `event loop held ${maxMs.toFixed(1)} ms`);
  // It is the map it claims to be (checked last: the decode leaves 100 MB of garbage behind):
  // without our limits it decodes to every key, which is what used to happen on arrival.
  const started = performance.now();
  const decoded = new WireCodec({ frameItemsMax: 0xffff_ffff, frameKeysMax: 0xffff_ffff }).decode(
    frame.subarray(4 + 1 + '127.0.0.1:1'.length),
    'stream',
  );
  t.log(`decoded without limits in ${(performance.now() - started).toFixed(0)} ms`);
  t.true(decoded.ok && Object.keys((decoded.messages[0] as { x: object }).x).length === keys);
});
