import test from 'ava';
import * as dnsPacket from 'dns-packet';
import { answerQuery, type AnswerOptions } from '../src/answer-query.js';
import type { Outcome } from '../src/outcome.js';
import { TaskZone } from '../src/task-zone.js';
import { ZONE, config, decode, opt, query, task, type Decoded } from './helpers/fixtures.js';

const udp: AnswerOptions = { via: 'udp', udpPayloadMax: 1232 };
const tcp: AnswerOptions = { via: 'tcp', udpPayloadMax: 1232 };
const zone = TaskZone.build(
  [
    task('web', 'marathon', '10.0.0.1', { ipv4: '9.0.1.2', ipv6: 'fd01::2' }),
    task('web', 'marathon', '10.0.0.2', { ipv4: '9.0.2.2' }),
    task('db', 'marathon', '10.0.0.3'),
    ...Array.from({ length: 100 }, (_, i) => task('big', 'marathon', '10.0.1.1', { ipv4: `9.1.0.${i}` })),
  ],
  config({ nsAddresses: ['198.51.100.1'] }),
  42,
);

function reply(outcome: Outcome): { result: string; packet: Decoded; bytes: Uint8Array } {
  if (outcome.kind !== 'reply') throw new Error(`expected a reply, got a drop (${outcome.reason})`);
  return { result: outcome.result, packet: decode(outcome.response), bytes: outcome.response };
}

function ask(bytes: Uint8Array, options = udp): ReturnType<typeof reply> {
  return reply(answerQuery(zone, bytes, options));
}

test('A and AAAA for a task: authoritative, TTL 5, the question echoed', (t) => {
  const { result, packet } = ask(query(`web.marathon.containerip.${ZONE}`, 'A'));
  t.is(result, 'answer');
  t.like(packet, {
    id: 0x1234,
    type: 'response',
    rcode: 'NOERROR',
    flag_aa: true,
    flag_rd: true,
    flag_tc: false,
  });
  t.deepEqual(packet.questions, [{ name: `web.marathon.containerip.${ZONE}`, type: 'A', class: 'IN' }]);
  t.deepEqual(
    packet.answers?.map((a) => [a.type, 'data' in a ? a.data : undefined, 'ttl' in a ? a.ttl : undefined]),
    [
      ['A', '9.0.1.2', 5],
      ['A', '9.0.2.2', 5],
    ],
  );
  const six = ask(query(`web.marathon.containerip.${ZONE}`, 'AAAA')).packet;
  t.deepEqual(
    six.answers?.map((a) => ('data' in a ? a.data : undefined)),
    ['fd01::2'],
  );
});

test('names match case-insensitively; the answer spells the name as asked', (t) => {
  const asked = `WeB.MaraTHON.AutoIP.${ZONE.toUpperCase()}`;
  const { packet } = ask(query(asked, 'A'));
  t.is(packet.questions?.[0]?.name, asked);
  t.deepEqual(
    packet.answers?.map((a) => a.name),
    [asked, asked],
  );
  t.is(ask(query(`web.marathon.autoip.${ZONE}.`, 'A')).packet.answers?.length, 2);
});

test('NXDOMAIN for an unknown name in the zone, with the SOA (negative TTL = TTL)', (t) => {
  const { result, packet } = ask(query(`nope.marathon.containerip.${ZONE}`, 'A'));
  t.is(result, 'nxdomain');
  t.like(packet, { rcode: 'NXDOMAIN', flag_aa: true });
  t.is(packet.answers?.length, 0);
  const soa = packet.authorities?.[0];
  t.is(soa?.type, 'SOA');
  t.like(soa, { name: ZONE, ttl: 5 });
  t.like(soa?.type === 'SOA' ? soa.data : {}, { mname: `ns.${ZONE}`, serial: 42, minimum: 5 });
});

test('NODATA for a name without that type: a host task containerip, an AAAA-less task, empty non-terminals', (t) => {
  for (const [name, type] of [
    [`db.marathon.containerip.${ZONE}`, 'A'],
    [`web.marathon.agentip.${ZONE}`, 'AAAA'],
    [`containerip.${ZONE}`, 'A'],
    [`marathon.containerip.${ZONE}`, 'A'],
    [`web.marathon.agentip.${ZONE}`, 'MX'],
    [ZONE, 'A'],
  ] as const) {
    const { result, packet } = ask(query(name, type));
    t.is(result, 'nodata', name);
    t.like(packet, { rcode: 'NOERROR', flag_aa: true }, name);
    t.is(packet.answers?.length, 0, name);
    t.is(packet.authorities?.[0]?.type, 'SOA', name);
  }
});

test('SOA and NS at the apex; the NS name gets its configured A as glue and on its own', (t) => {
  const soa = ask(query(ZONE, 'SOA')).packet;
  t.deepEqual(
    soa.answers?.map((a) => a.type),
    ['SOA'],
  );
  const ns = ask(query(ZONE, 'NS')).packet;
  t.deepEqual(
    ns.answers?.map((a) => ('data' in a ? a.data : undefined)),
    [`ns.${ZONE}`],
  );
  t.deepEqual(
    ns.additionals?.map((a) => ('data' in a ? a.data : undefined)),
    ['198.51.100.1'],
  );
  t.deepEqual(
    ask(query(`ns.${ZONE}`, 'A')).packet.answers?.map((a) => ('data' in a ? a.data : undefined)),
    ['198.51.100.1'],
  );
  // Without configured addresses the NS name exists but has no A.
  const bare = TaskZone.empty(config());
  t.is(reply(answerQuery(bare, query(`ns.${ZONE}`, 'A'), udp)).result, 'nodata');
  t.is(reply(answerQuery(bare, query(ZONE, 'NS'), udp)).packet.additionals?.length, 0);
});

test('ANY over TCP gives every record of the name (UDP gets RFC 8482 HINFO, see minimal-any)', (t) => {
  t.deepEqual(
    ask(query(`web.marathon.containerip.${ZONE}`, 'ANY'), tcp).packet.answers?.map((a) => a.type),
    ['A', 'A', 'AAAA'],
  );
  t.deepEqual(
    ask(query(ZONE, 'ANY'), tcp).packet.answers?.map((a) => a.type),
    ['SOA', 'NS'],
  );
});

test('outside the zone: REFUSED, not authoritative', (t) => {
  for (const name of ['example.com', `x${ZONE}`, 'thisdcos.directory', '.']) {
    const { result, packet } = ask(query(name, 'A'));
    t.is(result, 'outside-zone', name);
    t.like(packet, { rcode: 'REFUSED', flag_aa: false }, name);
  }
});

test('other classes REFUSED; AXFR NOTIMP; other opcodes NOTIMP with the opcode echoed', (t) => {
  t.like(ask(query(ZONE, 'A', {}, 'CH')), { result: 'class', packet: { rcode: 'REFUSED' } });
  t.like(ask(query(ZONE, 'AXFR'), tcp), { result: 'transfer', packet: { rcode: 'NOTIMP' } });
  const notify = query(ZONE, 'SOA', { flags: 4 << 11 });
  t.like(ask(notify), { result: 'opcode', packet: { rcode: 'NOTIMP', opcode: 'NOTIFY' } });
});

test('FORMERR: no question, two questions, a body that does not decode, a label holding a dot', (t) => {
  const none = dnsPacket.encode({ type: 'query', id: 7, questions: [] });
  t.like(ask(none), { result: 'no-question', packet: { id: 7, rcode: 'FORMERR' } });
  const two = dnsPacket.encode({
    type: 'query',
    id: 8,
    questions: [
      { name: ZONE, type: 'A' },
      { name: ZONE, type: 'AAAA' },
    ],
  });
  t.like(ask(two), { result: 'several-questions', packet: { id: 8, rcode: 'FORMERR' } });
  const cut = query(ZONE, 'A').subarray(0, 20);
  t.like(ask(cut), { result: 'undecodable', packet: { id: 0x1234, rcode: 'FORMERR' } });
  // One label `a.b`: dns-packet would read it back as two labels, so it cannot be echoed.
  const dotted = Buffer.concat([
    query('x', 'A').subarray(0, 12),
    Buffer.from([3, 0x61, 0x2e, 0x62, 0, 0, 1, 0, 1]),
  ]);
  t.like(ask(dotted), { result: 'unrepresentable-question', packet: { rcode: 'FORMERR', questions: [] } });
});

test('a response, or fewer than 12 bytes, is dropped, never answered', (t) => {
  const response = dnsPacket.encode({ type: 'response', id: 9, questions: [{ name: ZONE, type: 'A' }] });
  t.deepEqual(answerQuery(zone, response, udp), { kind: 'drop', reason: 'response' });
  t.deepEqual(answerQuery(zone, new Uint8Array(11), udp), { kind: 'drop', reason: 'short' });
});

test('EDNS0: the response carries an OPT; version 1 gets BADVERS', (t) => {
  const withOpt = ask(query(`web.marathon.containerip.${ZONE}`, 'A', { additionals: [opt(4096)] })).packet;
  const echoed = withOpt.additionals?.find((a) => a.type === 'OPT');
  t.like(echoed, { udpPayloadSize: 1232 });
  t.is(withOpt.answers?.length, 2);
  const v1 = ask(query(ZONE, 'SOA', { additionals: [opt(4096, 1)] }));
  t.is(v1.result, 'edns-version');
  t.like(
    v1.packet.additionals?.find((a) => a.type === 'OPT'),
    { extendedRcode: 1 },
  );
  t.is(v1.packet.answers?.length, 0);
  const twoOpts = ask(query(ZONE, 'SOA', { additionals: [opt(4096), opt(4096)] }));
  t.like(twoOpts, { result: 'bad-opt', packet: { rcode: 'FORMERR' } });
});

test('UDP: over 512 bytes the answers go and TC is set; EDNS0 raises the limit up to the cap', (t) => {
  const name = `big.marathon.containerip.${ZONE}`;
  const small = answerQuery(zone, query(name, 'A'), udp);
  t.like(small, { kind: 'reply', truncated: true });
  const { packet, bytes } = reply(small);
  t.true(packet.flag_tc);
  t.true(bytes.length <= 512);
  t.is(packet.answers?.length, 0);
  t.is(packet.questions?.[0]?.name, name);
  // 100 A records of this name take ~6 KB; 4096 offered is capped at 1232 and still too small.
  t.like(answerQuery(zone, query(name, 'A', { additionals: [opt(4096)] }), udp), { truncated: true });
  // Two answers fit in 512 without EDNS0.
  t.like(answerQuery(zone, query(`web.marathon.containerip.${ZONE}`, 'A'), udp), { truncated: false });
  // An EDNS0 size below 512 counts as 512 (RFC 6891).
  const tiny = reply(
    answerQuery(zone, query(`web.marathon.containerip.${ZONE}`, 'A', { additionals: [opt(100)] }), udp),
  );
  t.is(tiny.packet.answers?.length, 2);
});

test('an EDNS0 size between 512 and the cap is honoured', (t) => {
  const many = TaskZone.build(
    Array.from({ length: 20 }, (_, i) => task('m', 'f', '10.0.0.1', { ipv4: `9.0.0.${i}` })),
    config(),
  );
  const q = (extra = {}) => answerQuery(many, query(`m.f.containerip.${ZONE}`, 'A', extra), udp);
  t.like(q(), { truncated: true }); // 20 x ~52 bytes > 512
  const fits = q({ additionals: [opt(1232)] });
  t.like(fits, { truncated: false });
  t.is(reply(fits).packet.answers?.length, 20);
});

test('TCP: the whole answer, however large, up to 65535 bytes', (t) => {
  const { packet, bytes } = ask(query(`big.marathon.containerip.${ZONE}`, 'A'), tcp);
  t.false(packet.flag_tc);
  t.is(packet.answers?.length, 100);
  t.true(bytes.length > 1232);
  const huge = TaskZone.build(
    Array.from({ length: 2000 }, (_, i) => task('h', 'f', '10.0.0.1', { ipv4: `9.0.${i >> 8}.${i & 255}` })),
    config(),
  );
  const cut = reply(answerQuery(huge, query(`h.f.containerip.${ZONE}`, 'A'), tcp));
  t.true(cut.packet.flag_tc);
  t.true(cut.bytes.length <= 65_535);
  t.true((cut.packet.answers?.length ?? 0) > 1000);
  t.true((cut.packet.answers?.length ?? 0) < 2000);
});
