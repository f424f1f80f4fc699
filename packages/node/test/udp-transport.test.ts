import test from 'ava';
import { Socket, createServer, type AddressInfo } from 'node:net';
import { frameHeader } from '../src/transport/frame-reader.js';
import { withPreamble } from '../src/transport/request-preamble.js';
import { BindError } from '../src/transport/bind.js';
import { createUdpTransport } from '../src/transport/udp-transport.js';
import {
  closeAll,
  closedPort,
  loopback,
  recorder,
  requestOnce,
  settle,
  waitFor,
} from './transport-helpers.js';

// A failed test must not leave sockets open and keep the worker alive.
test.after.always(closeAll);

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);
const text = (payload: Uint8Array | undefined): string => new TextDecoder().decode(payload);

test('binds UDP and TCP on the same port and advertises host:port', async (t) => {
  const a = await loopback();
  t.regex(a.localAddress, /^127\.0\.0\.1:\d+$/);
  const port = Number(a.localAddress.split(':')[1]);
  // Another transport on the same port must fail on UDP, which proves UDP holds it.
  await t.throwsAsync(createUdpTransport({ bindHost: '127.0.0.1', bindPort: port }), {
    instanceOf: BindError,
  });
  // And the TCP side answers on that port.
  a.listen(recorder((p) => p));
  const b = await loopback();
  const { reply } = await requestOnce(b, a.localAddress, bytes('echo'), 1000);
  t.is(text(reply), 'echo');
  await Promise.all([a.whenClosed(), b.whenClosed()]);
});

test('advertise host and port override what is bound', async (t) => {
  const a = await loopback({ advertiseHost: '192.0.2.10', advertisePort: 7946 });
  t.is(a.localAddress, '192.0.2.10:7946');
  await a.whenClosed();
});

test('datagrams arrive with the sender address; nothing before listen()', async (t) => {
  const a = await loopback();
  const b = await loopback();
  const got = recorder();
  b.sendDatagram(a.localAddress, bytes('early'));
  await waitFor(() => a.stats().packetsDropped === 1);
  a.listen(got);
  b.sendDatagram(a.localAddress, bytes('hello'));
  await waitFor(() => got.datagrams.length === 1);
  t.is(got.datagrams[0]!.from, b.localAddress);
  t.is(text(got.datagrams[0]!.payload), 'hello');
  t.is(a.stats().packetsDropped, 1);
  t.is(a.stats().packetsIn, 1);
  t.is(b.stats().packetsOut, 2);
  t.is(b.stats().bytesOut, 10);
  await Promise.all([a.whenClosed(), b.whenClosed()]);
});

test('an oversized datagram throws ERR_TRELLIS_OVERSIZED; a datagram at the limit is sent', async (t) => {
  const a = await loopback({ datagramSizeMax: 1200 });
  const b = await loopback({ datagramSizeMax: 1200 });
  const got = recorder();
  a.listen(got);
  t.throws(() => b.sendDatagram(a.localAddress, new Uint8Array(1201)), { code: 'ERR_TRELLIS_OVERSIZED' });
  b.sendDatagram(a.localAddress, new Uint8Array(1200));
  await waitFor(() => got.datagrams.length === 1);
  t.is(got.datagrams[0]!.payload.length, 1200);
  await Promise.all([a.whenClosed(), b.whenClosed()]);
});

test('a malformed address is counted, never thrown', async (t) => {
  const a = await loopback();
  t.notThrows(() => a.sendDatagram('no-port', bytes('x')));
  const { error } = await requestOnce(a, '::1:80', bytes('x'), 100);
  t.is(error?.code, 'ERR_TRELLIS_UNREACHABLE');
  t.is(a.stats().errors['bad-address'], 2);
  await a.whenClosed();
});

test('request gets exactly one reply; the server sees the payload', async (t) => {
  const a = await loopback();
  const b = await loopback();
  const server = recorder((p) => bytes(`re:${text(p)}`));
  a.listen(server);
  const result = await requestOnce(b, a.localAddress, bytes('push-pull'), 1000);
  t.is(result.error, undefined);
  t.is(text(result.reply), 're:push-pull');
  t.is(text(server.requests[0]!.payload), 'push-pull');
  t.is(server.requests[0]!.from, b.localAddress, 'the advertised address, not the ephemeral TCP port');
  await settle(20);
  t.is(result.calls(), 1);
  t.like(b.stats(), { requestsOut: 1, repliesIn: 1 });
  t.like(a.stats(), { requestsIn: 1, repliesOut: 1 });
  await Promise.all([a.whenClosed(), b.whenClosed()]);
});

test('large requests and replies cross the stream (1 MiB)', async (t) => {
  const a = await loopback();
  const b = await loopback();
  const big = new Uint8Array(1024 * 1024).map((_, i) => i % 251);
  a.listen(recorder((p) => p));
  const { reply } = await requestOnce(b, a.localAddress, big, 5000);
  t.deepEqual(new Uint8Array(reply!), big);
  await Promise.all([a.whenClosed(), b.whenClosed()]);
});

test('request to a closed port fails ERR_TRELLIS_REFUSED', async (t) => {
  const b = await loopback();
  const { error, reply } = await requestOnce(b, `127.0.0.1:${await closedPort()}`, bytes('x'), 1000);
  t.is(error?.code, 'ERR_TRELLIS_REFUSED');
  t.is(error?.name, 'TransportError');
  t.is(reply, undefined);
  await b.whenClosed();
});

test('a connection accepted and closed unanswered fails ERR_TRELLIS_UNREACHABLE, not REFUSED', async (t) => {
  // A live process does this (its stream limit closes a connection it accepted): that must not
  // read as "nobody listens here", which failure detection treats as proof of a crash.
  const server = createServer((socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.teardown(() => server.close());
  const b = await loopback();
  const port = (server.address() as AddressInfo).port;
  const { error } = await requestOnce(b, `127.0.0.1:${port}`, bytes('x'), 1000);
  t.is(error?.code, 'ERR_TRELLIS_UNREACHABLE');
  await b.whenClosed();
});

test('an unanswered request fails ERR_TRELLIS_TIMEOUT', async (t) => {
  const a = await loopback();
  const b = await loopback();
  a.listen(recorder());
  const start = Date.now();
  const { error } = await requestOnce(b, a.localAddress, bytes('x'), 100);
  t.is(error?.code, 'ERR_TRELLIS_TIMEOUT');
  t.true(Date.now() - start >= 95);
  await Promise.all([a.whenClosed(), b.whenClosed()]);
});

test('a reply over streamSizeMax fails the request ERR_TRELLIS_OVERSIZED', async (t) => {
  const a = await loopback({ streamSizeMax: 4096 });
  const b = await loopback({ streamSizeMax: 4096 });
  a.listen(recorder(() => new Uint8Array(5000)));
  const { error } = await requestOnce(b, a.localAddress, bytes('x'), 1000);
  t.is(error?.code, 'ERR_TRELLIS_OVERSIZED');
  t.throws(() => b.request(a.localAddress, new Uint8Array(4097), 100, () => {}), {
    code: 'ERR_TRELLIS_OVERSIZED',
  });
  await Promise.all([a.whenClosed(), b.whenClosed()]);
});

test('close() fails pending requests with ERR_TRELLIS_CLOSED, is idempotent, and refuses new sends', async (t) => {
  const a = await loopback();
  const b = await loopback();
  a.listen(recorder());
  const pending = requestOnce(b, a.localAddress, bytes('x'), 5000);
  await waitFor(() => a.stats().requestsIn === 1);
  b.close();
  b.close();
  const { error } = await pending;
  t.is(error?.code, 'ERR_TRELLIS_CLOSED');
  t.throws(() => b.sendDatagram(a.localAddress, bytes('x')), { code: 'ERR_TRELLIS_CLOSED' });
  t.throws(() => b.request(a.localAddress, bytes('x'), 100, () => {}), { code: 'ERR_TRELLIS_CLOSED' });
  await b.whenClosed();
  await a.whenClosed();
  t.true(a.closed);
});

test('a replying receiver after the caller closed does not throw', async (t) => {
  const a = await loopback();
  const b = await loopback();
  const server = recorder();
  a.listen(server);
  void requestOnce(b, a.localAddress, bytes('x'), 5000);
  await waitFor(() => server.requests.length === 1);
  await b.whenClosed();
  await settle(20);
  t.notThrows(() => server.requests[0]!.reply(bytes('late')));
  t.notThrows(() => server.requests[0]!.reply(bytes('twice')));
  await a.whenClosed();
});

test('a receiver that throws is counted and logged, not crashing the process', async (t) => {
  const a = await loopback();
  const b = await loopback();
  a.listen({
    onDatagram: () => {
      throw new Error('bug');
    },
    onRequest: () => {
      throw new Error('bug');
    },
  });
  b.sendDatagram(a.localAddress, bytes('x'));
  await waitFor(() => a.stats().errors.receiver === 1);
  const { error } = await requestOnce(b, a.localAddress, bytes('x'), 100);
  t.is(error?.code, 'ERR_TRELLIS_TIMEOUT');
  t.is(a.stats().errors.receiver, 2);
  await Promise.all([a.whenClosed(), b.whenClosed()]);
});

/** One complete request frame: length, preamble naming `from`, a one-byte payload. */
function requestFrame(from: string): Buffer {
  const body = withPreamble(from, Uint8Array.of(0x90));
  return Buffer.concat([frameHeader(body.length), body]);
}

async function rawConnect(address: string): Promise<Socket> {
  const port = Number(address.split(':')[1]);
  const socket = new Socket();
  socket.on('error', () => {});
  await new Promise<void>((resolve) => socket.connect(port, '127.0.0.1', resolve));
  return socket;
}

test('a peer declaring a huge frame is cut off and counted', async (t) => {
  const a = await loopback();
  const server = recorder();
  a.listen(server);
  const socket = await rawConnect(a.localAddress);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write(Uint8Array.of(0xff, 0xff, 0xff, 0xff));
  await closed;
  t.is(a.stats().errors['stream-oversized'], 1);
  t.is(server.requests.length, 0);
  await a.whenClosed();
});

test('a request frame without a valid sender preamble is cut off and counted', async (t) => {
  const a = await loopback();
  const server = recorder();
  a.listen(server);
  const socket = await rawConnect(a.localAddress);
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.write(Uint8Array.of(0, 0, 0, 4, 3, 0x61, 0x62, 0x63)); // from = "abc": no port
  await closed;
  t.is(a.stats().errors['stream-bad-preamble'], 1);
  t.is(server.requests.length, 0);
  await a.whenClosed();
});

test('a silent peer is disconnected at the server deadline', async (t) => {
  const a = await loopback({ streamDeadlineMs: 100 });
  a.listen(recorder());
  const socket = await rawConnect(a.localAddress);
  socket.write(Uint8Array.of(0, 0, 0, 10, 1, 2)); // a partial frame, then silence
  await new Promise<void>((resolve) => socket.on('close', () => resolve()));
  t.is(a.stats().errors['stream-deadline'], 1);
  await a.whenClosed();
});

test('inbound streams beyond maxInboundStreams are refused at accept', async (t) => {
  const a = await loopback({ maxInboundStreams: 2 });
  const server = recorder();
  a.listen(server);
  const held = [await rawConnect(a.localAddress), await rawConnect(a.localAddress)];
  // Both deliver their request (never answered): those slots are in use, not evictable.
  for (const socket of held) socket.write(requestFrame(a.localAddress));
  await waitFor(() => server.requests.length === 2);
  const third = await rawConnect(a.localAddress);
  await new Promise<void>((resolve) => third.on('close', () => resolve()));
  t.is(a.stats().errors['stream-inbound-limit'], 1);
  for (const socket of held) socket.destroy();
  await a.whenClosed();
});

test('config problems are listed at once', async (t) => {
  await t.throwsAsync(createUdpTransport({ bindHost: 'localhost', bindPort: 70_000, maxInboundStreams: 0 }), {
    message: /bindHost[\s\S]*bindPort[\s\S]*maxInboundStreams/,
  });
});
