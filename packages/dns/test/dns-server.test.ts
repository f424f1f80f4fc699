import test from 'ava';
import * as dnsPacket from 'dns-packet';
import { InvalidStateError } from '@trellis/runtime';
import type { TaskEntry } from '@trellis/tasks';
import { BindError } from '@trellis/node';
import { DnsServer } from '../src/dns-server.js';
import { ZONE, decode, query, task } from './helpers/fixtures.js';
import { TcpClient, resolverFor, udpExchange } from './helpers/clients.js';

const entries: TaskEntry[] = [
  task('web', 'marathon', '10.0.0.1', { ipv4: '9.0.1.2', ipv6: 'fd01::2' }),
  task('web', 'marathon', '10.0.0.2', { ipv4: '9.0.2.2' }),
  task('db', 'marathon', '10.0.0.3'),
  task('cache', 'marathon', 'fd00::3'),
  task('/Prod/Web.v2', 'Marathon_User', '10.0.0.4', { ipv4: '9.0.4.2' }),
  ...Array.from({ length: 100 }, (_, i) => task('big', 'marathon', '10.0.1.1', { ipv4: `9.1.0.${i}` })),
];

async function started(t: { teardown: (fn: () => Promise<void>) => void }, extra = {}, tasks = entries) {
  const server = new DnsServer(
    { host: '127.0.0.1', port: 0, nsAddresses: ['198.51.100.1'], ...extra },
    { entries: tasks },
  );
  const { port } = await server.start();
  t.teardown(() => server.close());
  return { server, port, resolver: resolverFor(port) };
}

const sorted = (xs: string[]): string[] => [...xs].sort();
const big = Array.from({ length: 100 }, (_, i) => `9.1.0.${i}`);

test('every name form through node’s resolver', async (t) => {
  const { port, resolver } = await started(t);
  t.true(port > 0);
  t.deepEqual(sorted(await resolver.resolve4(`web.marathon.containerip.${ZONE}`)), ['9.0.1.2', '9.0.2.2']);
  t.deepEqual(await resolver.resolve6(`web.marathon.containerip.${ZONE}`), ['fd01::2']);
  t.deepEqual(sorted(await resolver.resolve4(`web.marathon.autoip.${ZONE}`)), ['9.0.1.2', '9.0.2.2']);
  t.deepEqual(sorted(await resolver.resolve4(`web.marathon.agentip.${ZONE}`)), ['10.0.0.1', '10.0.0.2']);
  // Host-network tasks: autoip is the agent's address, in its own family.
  t.deepEqual(await resolver.resolve4(`db.marathon.autoip.${ZONE}`), ['10.0.0.3']);
  t.deepEqual(await resolver.resolve6(`cache.marathon.autoip.${ZONE}`), ['fd00::3']);
  t.deepEqual(await resolver.resolve6(`cache.marathon.agentip.${ZONE}`), ['fd00::3']);
  const ttl = await resolver.resolve4(`web.marathon.agentip.${ZONE}`, { ttl: true });
  t.true(ttl.every((r) => r.ttl === 5));
});

test('NXDOMAIN surfaces as ENOTFOUND, NODATA as ENODATA; both are counted', async (t) => {
  const { server, resolver } = await started(t);
  await t.throwsAsync(resolver.resolve4(`nope.marathon.containerip.${ZONE}`), { code: 'ENOTFOUND' });
  await t.throwsAsync(resolver.resolve4(`db.marathon.containerip.${ZONE}`), { code: 'ENODATA' });
  await t.throwsAsync(resolver.resolve6(`web.marathon.agentip.${ZONE}`), { code: 'ENODATA' });
  await t.throwsAsync(resolver.resolve4(`marathon.containerip.${ZONE}`), { code: 'ENODATA' });
  await t.throwsAsync(resolver.resolve4(`containerip.${ZONE}`), { code: 'ENODATA' });
  await t.throwsAsync(resolver.resolve4(`other.containerip.${ZONE}`), { code: 'ENOTFOUND' });
  t.like(server.stats().answers, { nxdomain: 2, nodata: 4 });
});

test('SOA and NS at the apex; the NS name resolves to its configured address', async (t) => {
  const { resolver } = await started(t);
  t.like(await resolver.resolveSoa(ZONE), {
    nsname: `ns.${ZONE}`,
    hostmaster: `hostmaster.${ZONE}`,
    serial: 1,
    minttl: 5,
  });
  t.deepEqual(await resolver.resolveNs(ZONE), [`ns.${ZONE}`]);
  t.deepEqual(await resolver.resolve4(`ns.${ZONE}`), ['198.51.100.1']);
});

test('names are case-insensitive and follow dnsLabel', async (t) => {
  const { resolver } = await started(t);
  t.deepEqual(sorted(await resolver.resolve4(`WEB.Marathon.ContainerIP.${ZONE.toUpperCase()}`)), [
    '9.0.1.2',
    '9.0.2.2',
  ]);
  t.deepEqual(await resolver.resolve4(`prod-web-v2.marathon-user.containerip.${ZONE}`), ['9.0.4.2']);
});

test('outside the zone: REFUSED', async (t) => {
  const { resolver } = await started(t);
  await t.throwsAsync(resolver.resolve4('example.com'), { code: 'EREFUSED' });
});

test('a large answer: TC over UDP, the full set over TCP, and the resolver falls back to TCP', async (t) => {
  const { server, port, resolver } = await started(t);
  const name = `big.marathon.containerip.${ZONE}`;
  const overUdp = decode(await udpExchange(port, query(name, 'A')));
  t.true(overUdp.flag_tc);
  t.is(overUdp.answers?.length, 0);

  const client = await TcpClient.connect(port);
  t.teardown(() => client.destroy());
  client.send({ type: 'query', id: 5, questions: [{ name, type: 'A' }] });
  const [overTcp] = await client.replies(1);
  t.false(overTcp?.flag_tc);
  t.deepEqual(sorted(overTcp?.answers?.map((a) => (a.type === 'A' ? a.data : '')) ?? []), sorted(big));

  const before = server.stats();
  t.deepEqual(sorted(await resolver.resolve4(name)), sorted(big));
  const after = server.stats();
  t.true(after.truncated > before.truncated);
  t.true(after.queriesTcp > before.queriesTcp);
});

test('TCP: several queries in one write are all answered, in order', async (t) => {
  const { server, port } = await started(t);
  const client = await TcpClient.connect(port);
  t.teardown(() => client.destroy());
  const names = ['web', 'db', 'cache', 'nope'].map((n) => `${n}.marathon.agentip.${ZONE}`);
  client.socket.write(
    Buffer.concat(
      names.map((name, i) =>
        dnsPacket.streamEncode({ type: 'query', id: 100 + i, questions: [{ name, type: 'A' }] }),
      ),
    ),
  );
  const replies = await client.replies(4);
  t.deepEqual(
    replies.map((r) => [r.id, r.rcode, r.answers?.length]),
    [
      [100, 'NOERROR', 2],
      [101, 'NOERROR', 1],
      [102, 'NOERROR', 0],
      [103, 'NXDOMAIN', 0],
    ],
  );
  // The same connection keeps serving.
  client.send({ type: 'query', id: 200, questions: [{ name: ZONE, type: 'SOA' }] });
  t.is((await client.replies(1))[0]?.id, 200);
  t.is(server.stats().queriesTcp, 5);
});

test('TCP: a frame shorter than a header or longer than the limit closes the connection and counts', async (t) => {
  const { server, port } = await started(t, { tcpQueryBytesMax: 1024 });
  for (const prefix of [
    [0, 5],
    [0x10, 0x00],
  ]) {
    const client = await TcpClient.connect(port);
    client.socket.write(Buffer.from(prefix));
    await client.whenClosed();
  }
  t.is(server.stats().socket['tcp-bad-frame'], 2);
  // A response sent as a query is dropped; on TCP that closes the connection too.
  const client = await TcpClient.connect(port);
  client.send({ type: 'response', id: 1, questions: [{ name: ZONE, type: 'A' }] });
  await client.whenClosed();
  t.like(server.stats(), { drops: { response: 1 }, socket: { 'tcp-dropped-message': 1 } });
});

test('TCP: connections past the limit are refused; idle ones are closed', async (t) => {
  const { server, port } = await started(t, { tcpConnectionsMax: 2, tcpIdleMs: 300 });
  const a = await TcpClient.connect(port);
  const b = await TcpClient.connect(port);
  a.send({ type: 'query', id: 1, questions: [{ name: ZONE, type: 'SOA' }] });
  await a.replies(1);
  const c = await TcpClient.connect(port);
  await c.whenClosed();
  t.is(server.stats().socket['tcp-limit'], 1);
  t.false(a.closed);
  await Promise.all([a.whenClosed(), b.whenClosed()]);
  t.is(server.stats().socket['tcp-idle'], 2);
  // The server's own 'close' event may trail the client's by a tick.
  for (let i = 0; i < 20 && server.stats().tcpConnectionsActive > 0; i++)
    await new Promise((r) => setTimeout(r, 10));
  t.is(server.stats().tcpConnectionsActive, 0);
  t.is(server.stats().tcpConnectionsAccepted, 2);
});

test('update swaps the task set and bumps the SOA serial', async (t) => {
  const { server, resolver } = await started(t, {}, []);
  const name = `web.marathon.containerip.${ZONE}`;
  await t.throwsAsync(resolver.resolve4(name), { code: 'ENOTFOUND' });
  server.update(entries);
  t.deepEqual(sorted(await resolver.resolve4(name)), ['9.0.1.2', '9.0.2.2']);
  t.is((await resolver.resolveSoa(ZONE)).serial, 2);
  server.update([]);
  await t.throwsAsync(resolver.resolve4(name), { code: 'ENOTFOUND' });
});

test('close ends open TCP connections and releases the port; start twice or on a taken port fails typed', async (t) => {
  const server = new DnsServer({ host: '127.0.0.1', port: 0 });
  const { port } = await server.start();
  await t.throwsAsync(server.start(), { instanceOf: InvalidStateError });
  const other = new DnsServer({ host: '127.0.0.1', port });
  await t.throwsAsync(other.start(), { instanceOf: BindError });
  const client = await TcpClient.connect(port);
  await server.close();
  await client.whenClosed();
  t.is(server.address, undefined);
  // The port is free again.
  const again = new DnsServer({ host: '127.0.0.1', port });
  t.is((await again.start()).port, port);
  await again.close();
});

test('close while starting releases the sockets it was binding, and start fails typed', async (t) => {
  const server = new DnsServer({ host: '127.0.0.1', port: 0 });
  const starting = server.start();
  await server.close();
  await t.throwsAsync(starting, { instanceOf: InvalidStateError, message: /closed while it was starting/ });
  t.is(server.address, undefined);
});
