import test from 'ava';
import { connect } from 'node:net';
import { startApiHarness } from './fixtures/api-harness.js';
import { crashingRequestLines, fuzzRequests } from './fixtures/http-fuzz.js';
import { call, raw, statusOf } from './fixtures/http-client.js';

const seed = process.env['SEED'] === undefined ? 2024 : Number.parseInt(process.env['SEED'], 10);
const fuzzCount = process.env['TRELLIS_EXTENSIVE'] === '1' ? 5000 : 300;

/** Resolves with how long the server took to close a connection that sent `bytes` (or nothing). */
function closedAfter(port: number, bytes: string, capMs: number): Promise<number> {
  return new Promise((resolve) => {
    const started = Date.now();
    const s = connect(port, '127.0.0.1', () => s.write(bytes));
    const timer = setTimeout(() => {
      s.destroy();
      resolve(Number.POSITIVE_INFINITY);
    }, capMs);
    s.on('data', () => undefined);
    s.on('error', () => undefined);
    s.on('close', () => {
      clearTimeout(timer);
      resolve(Date.now() - started);
    });
  });
}

test('request lines that are not a valid target get 400, and the API keeps answering', async (t) => {
  const { api, tcp } = await startApiHarness(t);
  for (const line of crashingRequestLines)
    t.is(statusOf(await raw(tcp.port!, `${line}\r\nHost: 127.0.0.1:${tcp.port}\r\n\r\n`)), 400, line);
  t.is(
    statusOf(await raw(tcp.port!, `GET /v1/tasks/%zz HTTP/1.1\r\nHost: 127.0.0.1:${tcp.port}\r\n\r\n`)),
    400,
  );
  t.true((api.stats.rejected['badTarget'] ?? 0) >= 3, JSON.stringify(api.stats.rejected));
  t.is((await call(tcp, 'GET', '/v1/members')).status, 200);
});

test('a seeded fuzz of request lines and headers never fails a handler nor ends the process', async (t) => {
  t.timeout(90_000);
  const { tcp, socket } = await startApiHarness(t);
  const statuses: Record<string, number> = {};
  const requests = fuzzRequests(seed, fuzzCount, tcp.port);
  for (let i = 0; i < requests.length; i += 25) {
    const answers = await Promise.all(
      requests.slice(i, i + 25).map((r) => raw(tcp.port!, Buffer.from(r, 'latin1'), 800)),
    );
    for (const a of answers) statuses[statusOf(a)] = (statuses[statusOf(a)] ?? 0) + 1;
  }
  t.log(`SEED=${seed}: ${JSON.stringify(statuses)}`);
  t.is(statuses['500'], undefined);
  t.is((await call(tcp, 'GET', '/v1/members')).status, 200);
  t.is((await call(socket, 'GET', '/v1/members')).status, 200);
});

test('a connection that sends nothing, or headers too slowly, is closed', async (t) => {
  const { tcp } = await startApiHarness(t, {
    http: { idleTimeoutMs: 300, headersTimeoutMs: 500, requestTimeoutMs: 1000 },
  });
  const silent = await closedAfter(tcp.port!, '', 10_000);
  t.true(silent >= 250 && silent < 5000, `silent connection closed after ${silent} ms`);
  // Slowloris: a header line, then one byte every 100 ms; idleness never triggers, the header deadline does.
  const slow = connect(tcp.port!, '127.0.0.1');
  const started = Date.now();
  const drip = setInterval(() => slow.write('x'), 100);
  slow.write('GET /v1/members HTTP/1.1\r\nX-Slow: ');
  const closedAt = await new Promise<number>((resolve) => {
    slow.on('error', () => undefined);
    slow.on('close', () => resolve(Date.now() - started));
    setTimeout(() => resolve(Number.POSITIVE_INFINITY), 10_000);
  });
  clearInterval(drip);
  slow.destroy();
  t.true(closedAt < 5000, `slow headers cut after ${closedAt} ms`);
});

test('at the connection cap the oldest idle connection gives way to a newcomer', async (t) => {
  const { api, tcp } = await startApiHarness(t, { http: { connectionsMax: 4 } });
  const idle = Array.from({ length: 12 }, () => connect(tcp.port!, '127.0.0.1').on('error', () => undefined));
  t.teardown(() => idle.forEach((s) => s.destroy()));
  await Promise.all(idle.map((s) => new Promise((r) => s.once('connect', r))));
  for (let i = 0; i < 3; i++) t.is((await call(tcp, 'GET', '/v1/members')).status, 200);
  t.true(api.stats.connectionsPeak.tcp <= 4, `peak ${api.stats.connectionsPeak.tcp}`);
  t.true((api.stats.rejected['connectionEvicted'] ?? 0) >= 8, JSON.stringify(api.stats.rejected));
});

/** Writes `count` pipelined GETs at once; resolves with the answers read until the server closes. */
function pipelined(port: number, path: string, count: number, capMs: number) {
  return new Promise<{ answers: number; closed: boolean }>((resolve) => {
    const s = connect(port, '127.0.0.1');
    let received = '';
    const done = (closed: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve({ answers: received.split('HTTP/1.1 200 ').length - 1, closed });
    };
    const timer = setTimeout(() => done(false), capMs);
    s.on('connect', () => s.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`.repeat(count)));
    s.on('data', (c: Buffer) => (received += c.toString('latin1')));
    s.on('error', () => undefined);
    s.on('close', () => done(true));
  });
}

test('a connection that pipelines thousands of requests is cut instead of queueing every answer', async (t) => {
  t.timeout(60_000);
  // Every answer to a pipelined request waits in memory for the ones before it: 8 connections
  // of 2,730 queued /metrics answers each held 350 MB and the event loop for seconds.
  const { api, tcp } = await startApiHarness(t, { http: { idleTimeoutMs: 30_000 } });
  const flood = await pipelined(tcp.port!, '/metrics', 2000, 20_000);
  t.log(`2,000 pipelined: ${flood.answers} answered, closed by the server: ${flood.closed}`);
  t.true(flood.closed, 'the server cut the connection');
  t.true(flood.answers <= 32, `${flood.answers} answers`);
  t.true(api.stats.requests.tcp <= 64, `${api.stats.requests.tcp} requests handled`);
  t.is(api.stats.rejected['pipelineTooDeep'], 1, JSON.stringify(api.stats.rejected));
  // A client that pipelines a few requests is served in full.
  const few = await pipelined(tcp.port!, '/v1/members', 10, 2000);
  t.is(few.answers, 10);
  t.is((await call(tcp, 'GET', '/v1/members')).status, 200);
});
