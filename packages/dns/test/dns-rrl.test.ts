import { Resolver } from 'node:dns/promises';
import test from 'ava';
import type { TaskEntry } from '@trellis/tasks';
import { DnsServer } from '../src/dns-server.js';
import { ZONE, query, task } from './helpers/fixtures.js';
import { udpBurst } from './helpers/clients.js';

const entries: TaskEntry[] = [task('web', 'marathon', '10.0.0.1', { ipv4: '9.0.1.2' })];
const NAME = `web.marathon.containerip.${ZONE}`;

async function started(t: { teardown: (fn: () => Promise<void>) => void }, extra = {}) {
  const server = new DnsServer({ host: '127.0.0.1', port: 0, ...extra }, { entries });
  const { port } = await server.start();
  t.teardown(() => server.close());
  return { server, port };
}

/** `n` copies of one query with distinct ids. */
function copies(n: number, bytes: Buffer): Buffer[] {
  return Array.from({ length: n }, (_, i) => {
    const b = Buffer.from(bytes);
    b.writeUInt16BE(i, 0);
    return b;
  });
}

test('UDP past the rate: every other limited response slips as TC, the rest are dropped; all counted', async (t) => {
  const { server, port } = await started(t, { rrlResponsesPerSecond: 5 });
  const replies = await udpBurst(
    port,
    '127.0.1.1',
    copies(40, query(NAME, 'A')),
    () => server.stats().queriesUdp >= 40,
  );
  const stats = server.stats();
  const full = replies.filter((r) => !r.flag_tc && r.answers?.length === 1);
  const slips = replies.filter((r) => r.flag_tc && r.answers?.length === 0);
  t.log(
    `40 queries at once: ${full.length} answered, ${slips.length} slipped, ${40 - replies.length} dropped`,
  );
  // 5 credits to start with, and 5 more a second: the burst takes well under a second.
  t.true(full.length >= 5 && full.length <= 10, `${full.length} answered`);
  t.is(full.length + slips.length, replies.length);
  t.like(stats, { queriesUdp: 40, limited: 40 - full.length, slipped: slips.length });
  t.is(stats.answers.answer, full.length);
  t.true(Math.abs(slips.length - (40 - full.length) / 2) <= 1, 'one in two limited responses slips');
});

test('another prefix is not affected, and a real resolver in the limited prefix still gets its answer over TCP', async (t) => {
  const { server, port } = await started(t, { rrlResponsesPerSecond: 5 });
  await udpBurst(port, '127.0.1.1', copies(40, query(NAME, 'A')), () => server.stats().queriesUdp >= 40);
  const other = await udpBurst(port, '127.0.2.1', [query(NAME, 'A')], () => server.stats().queriesUdp >= 41);
  t.like(other, [{ flag_tc: false, answers: [{ data: '9.0.1.2' }] }]);

  // A real client tries again after a dropped response, as every stub resolver does.
  const resolver = new Resolver({ timeout: 1000, tries: 3 });
  resolver.setServers([`127.0.0.1:${port}`]);
  resolver.setLocalAddress('127.0.1.2');
  const before = server.stats();
  t.deepEqual(await resolver.resolve4(NAME), ['9.0.1.2']);
  const after = server.stats();
  t.true(after.limited > before.limited, 'its UDP query was limited');
  t.true(after.queriesTcp > before.queriesTcp, 'and it retried over TCP');
});

test('NODATA is charged per name whatever the type asked, as in BIND: varying the type does not evade the limit', async (t) => {
  const { server, port } = await started(t, { rrlResponsesPerSecond: 5 });
  // 40 types the name has no records of (type numbers nobody assigned): 40 NODATA answers,
  // each with the SOA, so about twice the size of its query.
  const queries = copies(40, query(NAME, 'A')).map((b, i) => {
    b.writeUInt16BE(1000 + i, b.length - 4);
    return b;
  });
  const replies = await udpBurst(port, '127.0.1.1', queries, () => server.stats().queriesUdp >= 40);
  const full = replies.filter((r) => !r.flag_tc && r.authorities?.length === 1);
  t.log(`40 types at once: ${full.length} NODATA answers, ${40 - full.length} limited`);
  t.true(full.length >= 5 && full.length <= 10, `${full.length} answered in full`);
  t.is(server.stats().answers.nodata, full.length);
});

test('errors are limited too, and never slip', async (t) => {
  const { server, port } = await started(t, { rrlResponsesPerSecond: 5 });
  const replies = await udpBurst(
    port,
    '127.0.1.1',
    copies(40, query('example.com', 'A')),
    () => server.stats().queriesUdp >= 40,
  );
  const stats = server.stats();
  t.true(replies.every((r) => r.rcode === 'REFUSED' && !r.flag_tc));
  t.true(replies.length >= 5 && replies.length <= 10, `${replies.length} refusals`);
  t.like(stats, { limited: 40 - replies.length, slipped: 0, errors: { 'outside-zone': replies.length } });
});

test('rrlResponsesPerSecond 0 turns rate limiting off', async (t) => {
  const { server, port } = await started(t, { rrlResponsesPerSecond: 0 });
  const replies = await udpBurst(
    port,
    '127.0.1.1',
    copies(40, query(NAME, 'A')),
    () => server.stats().queriesUdp >= 40,
  );
  t.is(replies.filter((r) => !r.flag_tc && r.answers?.length === 1).length, 40);
  t.like(server.stats(), { limited: 0, slipped: 0 });
});

test('an exempt client network (an agent gives its overlays) is never limited; others still are', async (t) => {
  const { server, port } = await started(t, { rrlResponsesPerSecond: 5, rrlExempt: ['127.0.3.0/24'] });
  const exempt = await udpBurst(
    port,
    '127.0.3.9',
    copies(40, query(NAME, 'A')),
    () => server.stats().queriesUdp >= 40,
  );
  t.is(exempt.filter((r) => !r.flag_tc && r.answers?.length === 1).length, 40, 'all 40 answered in full');
  t.is(server.stats().limited, 0);
  await udpBurst(port, '127.0.1.1', copies(40, query(NAME, 'A')), () => server.stats().queriesUdp >= 80);
  t.true(server.stats().limited > 0, 'a client outside the exempt network is limited as before');
});

test('rrlExempt takes CIDRs only', (t) => {
  t.throws(
    () => new DnsServer({ host: '127.0.0.1', port: 0, rrlExempt: ['9.0.0.0/8', 'nope', '10.0.0.1'] }),
    {
      message: /rrlExempt\[1\]: must be a CIDR[\s\S]*rrlExempt\[2\]: must be a CIDR/,
    },
  );
});
