import test from 'ava';
import { DnsServer } from '../src/dns-server.js';
import { ZONE, task } from './helpers/fixtures.js';
import { TcpClient } from './helpers/clients.js';

const NAME = `web.marathon.agentip.${ZONE}`;
/** A length prefix announcing 32 bytes and one of them: a query that never completes. */
const SLOW_LORIS = Buffer.from([0, 32, 0x12]);

async function started(t: { teardown: (fn: () => Promise<void>) => void }) {
  // Defaults throughout: 256 connections in all, 8 per client, 2.5 s to a first query, 10 s idle.
  const server = new DnsServer(
    { host: '127.0.0.1', port: 0 },
    { entries: [task('web', 'marathon', '10.0.0.1')] },
  );
  const { port } = await server.start();
  t.teardown(() => server.close());
  return { server, port };
}

async function until(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

test('256 slow clients from one address no longer lock out a client from another', async (t) => {
  const { server, port } = await started(t);
  const slow: TcpClient[] = [];
  t.teardown(() => slow.forEach((c) => c.destroy()));
  for (let i = 0; i < 256; i++) {
    const c = await TcpClient.connect(port, '127.0.1.1');
    slow.push(c);
    c.socket.write(SLOW_LORIS);
  }
  // Every connection has been accepted or refused before the other client tries.
  const judged = () => {
    const s = server.stats();
    return s.tcpConnectionsAccepted + (s.socket['tcp-limit'] ?? 0) + (s.socket['tcp-client-limit'] ?? 0);
  };
  await until(() => judged() >= 256, 5000);
  const stats = server.stats();
  t.log(
    `from 127.0.1.1: ${stats.tcpConnectionsAccepted} accepted, ${stats.socket['tcp-client-limit'] ?? 0} refused`,
  );
  t.like(stats, { tcpConnectionsAccepted: 8, socket: { 'tcp-client-limit': 248 } });

  const other = await TcpClient.connect(port, '127.0.2.1');
  t.teardown(() => other.destroy());
  other.send({ type: 'query', id: 1, questions: [{ name: NAME, type: 'A' }] });
  const [reply] = await other.replies(1);
  t.like(reply, { id: 1, answers: [{ data: '10.0.0.1' }] });
});

test('a connection without a first complete query is closed after tcpFirstQueryMs; one that asked, after tcpIdleMs', async (t) => {
  const { server, port } = await started(t);
  const loris = await TcpClient.connect(port, '127.0.1.1');
  const asker = await TcpClient.connect(port, '127.0.1.2');
  t.teardown(() => [loris, asker].forEach((c) => c.destroy()));
  const start = Date.now();
  loris.socket.write(SLOW_LORIS);
  asker.send({ type: 'query', id: 1, questions: [{ name: NAME, type: 'A' }] });
  await asker.replies(1);
  // 2.5 s configured; generous for a loaded machine, and still well short of the 10 s idle timeout.
  await loris.whenClosed(7000);
  const closedAfter = Date.now() - start;
  t.log(`the slow-loris was closed after ${closedAfter} ms`);
  t.true(closedAfter >= 2000, `closed after ${closedAfter} ms`);
  t.false(asker.closed, 'a connection that asked waits tcpIdleMs, not tcpFirstQueryMs');
  t.is(server.stats().socket['tcp-idle'], 1);
});
