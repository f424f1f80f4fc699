import test from 'ava';
import { Socket } from 'node:net';
import { frameHeader } from '../src/transport/frame-reader.js';
import { withPreamble } from '../src/transport/request-preamble.js';
import { closeAll, loopback, recorder, settle, waitFor } from './transport-helpers.js';

test.after.always(closeAll);

async function connectFrom(address: string, localAddress: string): Promise<Socket> {
  const port = Number(address.split(':')[1]);
  const socket = new Socket();
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.connect({ port, host: '127.0.0.1', localAddress }, resolve));
  return socket;
}

const closed = (s: Socket): Promise<void> =>
  s.destroyed ? Promise.resolve() : new Promise((resolve) => s.once('close', () => resolve()));

function requestFrame(from: string): Buffer {
  const body = withPreamble(from, Uint8Array.of(0x90));
  return Buffer.concat([frameHeader(body.length), body]);
}

test('one source IP holds at most maxInboundStreamsPerSource streams; others still get theirs', async (t) => {
  const a = await loopback({ maxInboundStreamsPerSource: 2 });
  a.listen(recorder());
  const mine = [
    await connectFrom(a.localAddress, '127.0.0.31'),
    await connectFrom(a.localAddress, '127.0.0.31'),
  ];
  await waitFor(() => a.stats().inboundStreamsActive === 2);
  const third = await connectFrom(a.localAddress, '127.0.0.31');
  await closed(third);
  t.is(a.stats().errors['stream-source-limit'], 1);
  const other = await connectFrom(a.localAddress, '127.0.0.32');
  await waitFor(() => a.stats().inboundStreamsActive === 3);
  for (const s of [...mine, other]) s.destroy();
});

test('a stream that delivers no complete request within streamFirstFrameMs is cut', async (t) => {
  const a = await loopback({ streamFirstFrameMs: 200 });
  a.listen(recorder());
  const idle = await connectFrom(a.localAddress, '127.0.0.33');
  idle.write(Uint8Array.of(0, 0)); // half a header, then nothing
  const started = performance.now();
  await closed(idle);
  t.log(`cut after ${(performance.now() - started).toFixed(0)} ms`);
  t.is(a.stats().errors['stream-first-frame'], 1);
  t.falsy(a.stats().errors['stream-deadline']);
});

test('all slots held by idle streams: the one with the fewest bytes gives way to a newcomer', async (t) => {
  const a = await loopback({ maxInboundStreams: 3 });
  const server = recorder();
  a.listen(server);
  const busy = await connectFrom(a.localAddress, '127.0.0.34');
  busy.write(requestFrame(a.localAddress)); // a request in progress (never answered): kept
  await waitFor(() => server.requests.length === 1);
  const trickle = await connectFrom(a.localAddress, '127.0.0.35');
  trickle.write(Uint8Array.of(0));
  const silent = await connectFrom(a.localAddress, '127.0.0.36');
  await waitFor(() => a.stats().inboundStreamsActive === 3);
  await settle(20);
  const joiner = await connectFrom(a.localAddress, '127.0.0.37');
  joiner.write(requestFrame(a.localAddress));
  await closed(silent);
  await waitFor(() => server.requests.length === 2);
  t.is(a.stats().errors['stream-evicted'], 1);
  t.false(trickle.destroyed || busy.destroyed);
  for (const s of [busy, trickle, joiner]) s.destroy();
});
