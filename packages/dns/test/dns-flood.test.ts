import { Resolver } from 'node:dns/promises';
import { Worker } from 'node:worker_threads';
import test from 'ava';
import type { TaskEntry } from '@trellis/tasks';
import { DnsServer } from '../src/dns-server.js';
import { ZONE, opt, query, task } from './helpers/fixtures.js';
import type { FloodJob, FloodResult } from './helpers/flood-worker.js';

const entries: TaskEntry[] = [
  task('web', 'marathon', '10.0.0.1', { ipv4: '9.0.1.2' }),
  ...Array.from({ length: 60 }, (_, i) => task('big', 'marathon', '10.0.1.1', { ipv4: `9.1.0.${i}` })),
];
/** Sixteen name servers, the most allowed: the apex ANY that was 21 times its query. */
const nsAddresses = Array.from({ length: 16 }, (_, i) => `198.51.100.${i + 1}`);
const LEGIT_QUERIES = 30;
const LEGIT_INTERVAL_MS = 100;

/** What an amplification attack sends: the largest answers there are, each asked with EDNS0 4096. */
function floodQueries(): Uint8Array[] {
  const edns = { additionals: [opt(4096)] };
  return [
    query(ZONE, 'ANY', edns),
    query(`big.marathon.containerip.${ZONE}`, 'A', edns),
    query(ZONE, 'NS', edns),
    query(`nope.marathon.containerip.${ZONE}`, 'A', edns),
  ];
}

function runFlood(job: FloodJob): Promise<FloodResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./helpers/flood-worker.js', import.meta.url), { workerData: job });
    worker.once('message', (result: FloodResult) => {
      resolve(result);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

/** 10 queries a second from 127.0.2.1 through Node's resolver, which retries and falls back to TCP itself. */
async function legitimateClient(port: number): Promise<{ answered: number; lost: string[] }> {
  const resolver = new Resolver({ timeout: 1000, tries: 4 });
  resolver.setServers([`127.0.0.1:${port}`]);
  resolver.setLocalAddress('127.0.2.1');
  const pending: Promise<string | undefined>[] = [];
  for (let i = 0; i < LEGIT_QUERIES; i++) {
    pending.push(
      resolver.resolve4(`web.marathon.containerip.${ZONE}`).then(
        (ips) => (ips.join() === '9.0.1.2' ? undefined : `query ${i}: ${ips.join()}`),
        (error: unknown) => `query ${i}: ${(error as { code?: string }).code ?? String(error)}`,
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, LEGIT_INTERVAL_MS));
  }
  const lost = (await Promise.all(pending)).filter((l): l is string => l !== undefined);
  return { answered: LEGIT_QUERIES - lost.length, lost };
}

test('a flood from one /24 is limited and does not amplify; a client in another /24 loses nothing', async (t) => {
  // Defaults: RRL on at 20 responses a second per prefix and response.
  const server = new DnsServer({ host: '127.0.0.1', port: 0, nsAddresses }, { entries });
  const { port } = await server.start();
  t.teardown(() => server.close());
  const flooding = runFlood({
    port,
    sources: ['127.0.1.1', '127.0.1.2', '127.0.1.3', '127.0.1.4'],
    queries: floodQueries(),
    // Bounded: at most 50,000 queries in at most 6 s (about 10,000 a second when the machine keeps up).
    countMax: 50_000,
    durationMs: 6000,
    perTick: 50,
    tickMs: 5,
  });
  // The legitimate client starts once the flood is under way, and is done before it ends.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const legit = await legitimateClient(port);
  const flood = await flooding;
  const stats = server.stats();
  const amplification = flood.receivedBytes / flood.sentBytes;
  t.log(
    `flood: ${flood.sent} queries (${flood.sentBytes} bytes) in ${Math.round(flood.elapsedMs)} ms, ` +
      `${flood.received} replies (${flood.receivedBytes} bytes): ${amplification.toFixed(2)}x in bytes`,
  );
  t.log(`server: ${stats.queriesUdp} UDP queries seen, ${stats.limited} limited, ${stats.slipped} slipped`);
  t.log(
    `legitimate client: ${legit.answered} of ${LEGIT_QUERIES} answered; lost: ${legit.lost.join('; ') || 'none'}`,
  );

  t.deepEqual(legit.lost, [], 'the legitimate client got every answer');
  t.true(flood.sent >= 5000, `the flood sent ${flood.sent} queries`);
  t.true(stats.limited > 0.8 * (stats.queriesUdp - LEGIT_QUERIES), `${stats.limited} limited`);
  t.true(stats.slipped > 0, 'limited responses slipped');
  // Slips are no larger than their query; everything else the flood asked is dropped.
  t.true(amplification <= 1, `${amplification.toFixed(2)}x`);
});
