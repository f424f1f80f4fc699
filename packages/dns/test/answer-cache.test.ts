import test from 'ava';
import { DnsServer } from '../src/dns-server.js';
import { ZONE, decode, opt, query, task } from './helpers/fixtures.js';
import { udpExchange } from './helpers/clients.js';

/**
 * The UDP answer cache: a repeated question is answered without decoding or encoding, so what
 * must hold is that the reply is still the one the zone gives for that exact query: its own id,
 * its own spelling of the name, its own EDNS size, and nothing from a zone already replaced.
 */
async function started(t: { teardown: (fn: () => Promise<void>) => void }) {
  const server = new DnsServer(
    { host: '127.0.0.1', port: 0, rrlResponsesPerSecond: 0 },
    { entries: [task('web', 'marathon', '10.0.0.1', { ipv4: '9.0.1.2' })] },
  );
  const { port } = await server.start();
  t.teardown(() => server.close());
  return { server, port };
}

const name = `web.marathon.containerip.${ZONE}`;

test('a repeated question is answered from the cache, with the id of the query that asked', async (t) => {
  const { server, port } = await started(t);
  const first = decode(await udpExchange(port, query(name, 'A', { id: 1 })));
  const again = decode(await udpExchange(port, query(name, 'A', { id: 0xbeef })));
  t.is(first.id, 1);
  t.is(again.id, 0xbeef);
  t.deepEqual(again.answers, first.answers);
  t.like(server.stats(), { answerCacheHits: 1, answerCacheMisses: 1, queriesUdp: 2, answers: { answer: 2 } });
});

test('another spelling (DNS 0x20) or another EDNS size is another entry, answered as asked', async (t) => {
  const { server, port } = await started(t);
  await udpExchange(port, query(name, 'A'));
  const mixed = name.replace('web', 'wEb').replace('marathon', 'MaRaThOn');
  const reply = decode(await udpExchange(port, query(mixed, 'A')));
  t.is(reply.questions?.[0]?.name, mixed);
  t.is((reply.answers?.[0] as { data?: string } | undefined)?.data, '9.0.1.2');
  const edns = decode(await udpExchange(port, query(name, 'A', { additionals: [opt(1232)] })));
  t.true(
    (edns.additionals ?? []).some((r) => r.type === 'OPT'),
    'an EDNS query gets an OPT back',
  );
  t.is(server.stats().answerCacheHits, 0);
});

test('a replaced zone is never answered from: the name withdrawn gives NXDOMAIN at once', async (t) => {
  const { server, port } = await started(t);
  t.is(decode(await udpExchange(port, query(name, 'A'))).rcode, 'NOERROR');
  t.is(decode(await udpExchange(port, query(name, 'A'))).rcode, 'NOERROR');
  server.update([task('db', 'marathon', '10.0.0.3')]);
  t.is(decode(await udpExchange(port, query(name, 'A'))).rcode, 'NXDOMAIN');
  server.update([task('web', 'marathon', '10.0.0.1', { ipv4: '9.0.9.9' })]);
  const back = decode(await udpExchange(port, query(name, 'A')));
  t.is((back.answers?.[0] as { data?: string } | undefined)?.data, '9.0.9.9');
});
