import test from 'ava';
import { answerQuery, type AnswerOptions } from '../src/answer-query.js';
import type { Outcome } from '../src/outcome.js';
import { TaskZone } from '../src/task-zone.js';
import { ZONE, config, decode, opt, query, task, type Decoded } from './helpers/fixtures.js';

const udp: AnswerOptions = { via: 'udp', udpPayloadMax: 1232 };
const tcp: AnswerOptions = { via: 'tcp', udpPayloadMax: 1232 };
/** The most name servers a zone may list: what made the apex ANY 21 times the size of the query. */
const nsAddresses = Array.from({ length: 16 }, (_, i) => `198.51.100.${i + 1}`);
const zone = TaskZone.build(
  [
    task('web', 'marathon', '10.0.0.1', { ipv4: '9.0.1.2', ipv6: 'fd01::2' }),
    task('db', 'marathon', '10.0.0.3'),
    ...Array.from({ length: 60 }, (_, i) => task('big', 'marathon', '10.0.1.1', { ipv4: `9.1.0.${i}` })),
  ],
  config({ nsAddresses }),
);

function reply(outcome: Outcome): { result: string; packet: Decoded; bytes: Uint8Array } {
  if (outcome.kind !== 'reply') throw new Error(`expected a reply, got a drop (${outcome.reason})`);
  return { result: outcome.result, packet: decode(outcome.response), bytes: outcome.response };
}

test('ANY over UDP: one synthesized HINFO "RFC8482", apex included, authoritative, the zone TTL', (t) => {
  for (const name of [
    ZONE,
    `web.marathon.containerip.${ZONE}`,
    `WEB.marathon.agentip.${ZONE}`,
    `ns.${ZONE}`,
  ]) {
    const { result, packet } = reply(answerQuery(zone, query(name, 'ANY'), udp));
    t.is(result, 'answer', name);
    t.like(packet, { rcode: 'NOERROR', flag_aa: true, flag_tc: false }, name);
    t.deepEqual(
      packet.answers?.map((a) => [
        a.type,
        a.name,
        'ttl' in a ? a.ttl : undefined,
        'data' in a ? a.data : undefined,
      ]),
      [['HINFO', name, 5, { cpu: 'RFC8482', os: '' }]],
      name,
    );
    t.is(packet.additionals?.length, 0, name);
  }
});

test('ANY over UDP: names without records keep NODATA, unknown names NXDOMAIN', (t) => {
  // A host-network task has no container address; `containerip.<zone>` is an empty non-terminal.
  for (const name of [`db.marathon.containerip.${ZONE}`, `containerip.${ZONE}`])
    t.like(
      reply(answerQuery(zone, query(name, 'ANY'), udp)),
      { result: 'nodata', packet: { answers: [] } },
      name,
    );
  t.like(reply(answerQuery(zone, query(`nope.marathon.containerip.${ZONE}`, 'ANY'), udp)), {
    result: 'nxdomain',
    packet: { rcode: 'NXDOMAIN' },
  });
});

test('ANY over UDP is at most 2.5 times the size of the query, for any name; over TCP it is the full set', (t) => {
  for (const name of [ZONE, `big.marathon.containerip.${ZONE}`, `web.marathon.autoip.${ZONE}`])
    for (const extra of [{}, { additionals: [opt(4096)] }]) {
      const asked = query(name, 'ANY', extra);
      const { bytes } = reply(answerQuery(zone, asked, udp));
      // The HINFO owner repeats the query's name (dns-packet does not compress names), plus 19 bytes.
      t.true(
        bytes.length <= 2.5 * asked.length,
        `${name}: ${bytes.length} bytes for a ${asked.length}-byte query`,
      );
    }
  // What UDP used to send for the apex: SOA, NS and 16 glue records, 21 times the query.
  const asked = query(ZONE, 'ANY', { additionals: [opt(4096)] });
  const full = reply(answerQuery(zone, asked, tcp));
  t.deepEqual(
    full.packet.answers?.map((a) => a.type),
    ['SOA', 'NS'],
  );
  t.is(full.packet.additionals?.filter((a) => a.type === 'A').length, 16);
  t.true(full.bytes.length > 15 * asked.length);
});
