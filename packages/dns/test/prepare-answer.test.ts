import test from 'ava';
import { type PreparedAnswer, finishAnswer, prepareAnswer, slipAnswer } from '../src/answer-query.js';
import { TaskZone } from '../src/task-zone.js';
import { ZONE, config, decode, opt, query, task } from './helpers/fixtures.js';

const udp = { via: 'udp', udpPayloadMax: 1232 } as const;
const zone = TaskZone.build(
  [
    task('web', 'marathon', '10.0.0.1', { ipv4: '9.0.1.2' }),
    ...Array.from({ length: 100 }, (_, i) => task('big', 'marathon', '10.0.1.1', { ipv4: `9.1.0.${i}` })),
  ],
  config(),
);

function prepared(bytes: Uint8Array): PreparedAnswer & { kind: 'reply' } {
  const p = prepareAnswer(zone, bytes, udp);
  if (p.kind !== 'reply') throw new Error(`dropped: ${p.reason}`);
  return p;
}

test('rate classes as BIND charges them: answers per name and type, NODATA per name, NXDOMAIN and errors pooled', (t) => {
  const cls = (name: string, type: Parameters<typeof query>[1]) => prepared(query(name, type)).rateClass;
  t.is(cls(`web.marathon.containerip.${ZONE}`, 'A'), 'answer/A/web.marathon.containerip');
  // Case does not make a new account (a 0x20 client, or a flood varying it).
  t.is(cls(`WEB.Marathon.containerip.${ZONE.toUpperCase()}`, 'A'), 'answer/A/web.marathon.containerip');
  t.not(cls(`web.marathon.containerip.${ZONE}`, 'AAAA'), cls(`web.marathon.containerip.${ZONE}`, 'A'));
  t.is(cls(`web.marathon.containerip.${ZONE}`, 'AAAA'), 'nodata/web.marathon.containerip');
  // An empty answer does not say which type was asked: one account, or each type would get one.
  t.is(cls(`web.marathon.containerip.${ZONE}`, 'TXT'), 'nodata/web.marathon.containerip');
  // Random names would each get a fresh account: all NXDOMAINs of the zone share one.
  t.is(cls(`x1.marathon.containerip.${ZONE}`, 'A'), 'nxdomain');
  t.is(cls(`x2.other.agentip.${ZONE}`, 'AAAA'), 'nxdomain');
  t.is(cls('example.com', 'A'), 'error');
  t.is(prepared(query(ZONE, 'A', {}, 'CH')).rateClass, 'error');
  t.is(prepared(query(ZONE, 'A').subarray(0, 20)).rateClass, 'error');
});

test('finishAnswer encodes what answerQuery would; drops stay drops', (t) => {
  const p = prepared(query(`web.marathon.containerip.${ZONE}`, 'A'));
  const outcome = finishAnswer(p);
  t.like(outcome, { kind: 'reply', result: 'answer', truncated: false });
  t.like(finishAnswer(prepareAnswer(zone, new Uint8Array(5), udp)), { kind: 'drop', reason: 'short' });
});

test('a slip is the header, question and OPT with TC: no records, not authoritative, never larger than the query', (t) => {
  const cases: [string, Parameters<typeof query>[2]][] = [
    [`big.marathon.containerip.${ZONE}`, { additionals: [opt(4096)] }],
    [`web.marathon.containerip.${ZONE}`, {}],
    [`nope.marathon.containerip.${ZONE}`, {}],
  ];
  for (const [name, extra] of cases) {
    const asked = query(name, 'A', extra);
    const slip = slipAnswer(prepared(asked));
    const packet = decode(slip);
    t.like(packet, {
      id: 0x1234,
      type: 'response',
      flag_tc: true,
      flag_aa: false,
      flag_rd: true,
      rcode: 'NOERROR',
    });
    t.deepEqual(packet.questions, [{ name, type: 'A', class: 'IN' }]);
    t.deepEqual([packet.answers?.length, packet.authorities?.length], [0, 0]);
    t.is(
      packet.additionals?.filter((a) => a.type === 'OPT').length,
      extra?.additionals === undefined ? 0 : 1,
    );
    t.true(slip.length <= asked.length, name);
  }
});
