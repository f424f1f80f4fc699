import test from 'ava';
import fc from 'fast-check';
import { createSocket } from 'node:dgram';
import { answerQuery, type AnswerOptions } from '../src/answer-query.js';
import { countOutcome, emptyDnsStats, errorCount } from '../src/dns-stats.js';
import { DnsServer } from '../src/dns-server.js';
import { type Outcome, answerKinds, dropReasons, errorReasons } from '../src/outcome.js';
import { TaskZone } from '../src/task-zone.js';
import { ZONE, config, decode, opt, query, task } from './helpers/fixtures.js';
import { TcpClient, resolverFor } from './helpers/clients.js';

const zone = TaskZone.build(
  [
    task('web', 'marathon', '10.0.0.1', { ipv4: '9.0.1.2', ipv6: 'fd01::2' }),
    task('db', 'marathon', '10.0.0.3'),
    ...Array.from({ length: 60 }, (_, i) => task('big', 'marathon', '10.0.1.1', { ipv4: `9.1.0.${i}` })),
  ],
  config({ nsAddresses: ['198.51.100.1'] }),
);

const seeds = [
  query(`web.marathon.containerip.${ZONE}`, 'A'),
  query(`WEB.marathon.autoip.${ZONE}`, 'AAAA', { additionals: [opt(1232)] }),
  query(`big.marathon.containerip.${ZONE}`, 'A'),
  query(`db.marathon.containerip.${ZONE}`, 'A'),
  query(ZONE, 'NS'),
  query(ZONE, 'SOA', { additionals: [opt(4096)] }),
  query('example.com', 'A'),
];

/** What must hold for any input: a well-formed response to that id, or a drop the input earns. */
function checkOutcome(input: Uint8Array, outcome: Outcome, options: AnswerOptions): void {
  if (outcome.kind === 'drop') {
    if (!dropReasons.includes(outcome.reason)) throw new Error(`unknown drop ${outcome.reason}`);
    const isResponse = input.length >= 12 && (input[2]! & 0x80) !== 0;
    if (!(input.length < 12 || isResponse)) throw new Error(`dropped a ${input.length}-byte query`);
    return;
  }
  if (![...answerKinds, ...errorReasons].includes(outcome.result)) throw new Error(`unknown result`);
  const reply = decode(outcome.response);
  if (reply.type !== 'response') throw new Error('reply is not a response');
  if (reply.id !== ((input[0]! << 8) | input[1]!)) throw new Error('reply id differs');
  const bytesMax = options.via === 'udp' ? udpLimit(input, options) : 65_535;
  if (outcome.response.length > bytesMax) throw new Error(`reply of ${outcome.response.length} bytes`);
  if ((reply.questions?.length ?? 0) > 1) throw new Error('more than one question echoed');
}

/** The UDP size the client allowed: 512, or its EDNS0 payload size (capped by our limit). */
function udpLimit(input: Uint8Array, options: AnswerOptions): number {
  let opt: { udpPayloadSize?: number } | undefined;
  try {
    opt = (decode(input).additionals ?? []).find((r) => r.type === 'OPT');
  } catch {
    return 512; // undecodable: any reply is a header-only error
  }
  const asked = opt?.udpPayloadSize;
  return asked === undefined ? 512 : Math.max(512, Math.min(asked, options.udpPayloadMax));
}

function mutate(bytes: Uint8Array, edits: readonly [number, number, number][]): Uint8Array {
  let out = Buffer.from(bytes);
  for (const [kind, at, value] of edits) {
    const i = at % Math.max(out.length, 1);
    if (kind === 0 && out.length > 0) out[i] = value;
    else if (kind === 1) out = out.subarray(0, i);
    else if (kind === 2) out = Buffer.concat([out.subarray(0, i), Buffer.from([value]), out.subarray(i)]);
    else if (kind === 3 && out.length > 0) out[i] = out[i]! ^ (1 << (value & 7));
  }
  return out;
}

/** fast-check keeps arrays tiny by default; most inputs must get past the 12-byte header. */
const anyBytes = fc.oneof(
  fc.uint8Array({ maxLength: 12 }),
  fc.uint8Array({ minLength: 12, maxLength: 600, size: 'max' }),
);

const via = fc.constantFrom<AnswerOptions>(
  { via: 'udp', udpPayloadMax: 1232 },
  { via: 'tcp', udpPayloadMax: 1232 },
);

test('random bytes never throw: a valid response or a drop, and every one is counted', (t) => {
  const stats = emptyDnsStats();
  let runs = 0;
  fc.assert(
    fc.property(anyBytes, via, (bytes, options) => {
      const outcome = answerQuery(zone, bytes, options);
      checkOutcome(bytes, outcome, options);
      countOutcome(stats, outcome, options.via);
      runs++;
    }),
    { numRuns: 3000 },
  );
  const answered = Object.values(stats.answers).reduce((a, b) => a + b, 0);
  const dropped = Object.values(stats.drops).reduce((a, b) => a + (b ?? 0), 0);
  t.is(stats.queriesUdp + stats.queriesTcp, runs);
  t.is(answered + errorCount(stats) + dropped, runs);
  t.true(dropped > 0 && errorCount(stats) > 0);
});

test('mutated valid queries never throw and give a valid response or a drop', (t) => {
  const results = new Set<string>();
  fc.assert(
    fc.property(
      fc.constantFrom(...seeds),
      fc.array(fc.tuple(fc.nat(3), fc.nat(1000), fc.nat(255)), { minLength: 1, maxLength: 6 }),
      via,
      (seed, edits, options) => {
        const input = mutate(seed, edits);
        const outcome = answerQuery(zone, input, options);
        checkOutcome(input, outcome, options);
        results.add(outcome.kind === 'drop' ? outcome.reason : outcome.result);
      },
    ),
    { numRuns: 5000 },
  );
  // The mutations reach well past the header: answers, errors and drops alike.
  for (const expected of ['answer', 'nxdomain', 'undecodable', 'response'])
    t.true(results.has(expected), expected);
});

test('valid random names in and out of the zone: the question comes back as asked', (t) => {
  const label = fc.stringMatching(/^[a-zA-Z0-9-]{1,20}$/);
  const name = fc.oneof(
    fc
      .tuple(label, label, fc.constantFrom('containerip', 'AutoIP', 'agentip'))
      .map((ls) => `${ls.join('.')}.${ZONE}`),
    fc.array(label, { minLength: 1, maxLength: 5 }).map((ls) => ls.join('.')),
  );
  fc.assert(
    fc.property(
      name,
      fc.constantFrom('A', 'AAAA', 'ANY', 'TXT', 'SOA') as fc.Arbitrary<'A'>,
      (asked, type) => {
        const outcome = answerQuery(zone, query(asked, type), { via: 'udp', udpPayloadMax: 1232 });
        if (outcome.kind !== 'reply') throw new Error('dropped a valid query');
        const reply = decode(outcome.response);
        const q = reply.questions?.[0];
        if (q?.name !== asked || q.type !== type)
          throw new Error(`question came back as ${JSON.stringify(q)}`);
        const inZone = asked.toLowerCase().endsWith(`.${ZONE}`);
        if (inZone !== reply.flag_aa) throw new Error(`AA ${reply.flag_aa} for ${asked}`);
      },
    ),
    { numRuns: 2000 },
  );
  t.pass();
});

test('thousands of garbage datagrams: every one counted, and the server still answers', async (t) => {
  const server = new DnsServer(
    { host: '127.0.0.1', port: 0 },
    { entries: [task('web', 'marathon', '10.0.0.1')] },
  );
  const { port } = await server.start();
  t.teardown(() => server.close());
  const garbage = fc.sample(
    fc.oneof(
      anyBytes,
      fc
        .tuple(
          fc.constantFrom(...seeds),
          fc.array(fc.tuple(fc.nat(3), fc.nat(1000), fc.nat(255)), { maxLength: 4 }),
        )
        .map(([seed, edits]) => mutate(seed, edits)),
    ),
    { numRuns: 3000, seed: 42 },
  );
  const socket = createSocket('udp4');
  t.teardown(() => socket.close());
  for (let i = 0; i < garbage.length; i++) {
    socket.send(garbage[i]!, port, '127.0.0.1');
    // Paced so that loopback does not overflow the server's receive buffer.
    if (i % 20 === 19) await new Promise((resolve) => setTimeout(resolve, 1));
  }
  const deadline = Date.now() + 5000;
  while (server.stats().queriesUdp < garbage.length && Date.now() < deadline)
    await new Promise((resolve) => setTimeout(resolve, 20));
  const stats = server.stats();
  t.is(stats.queriesUdp, garbage.length);
  t.true(errorCount(stats) > 0);
  t.deepEqual(await resolverFor(port).resolve4(`web.marathon.agentip.${ZONE}`), ['10.0.0.1']);
});

test('garbage TCP streams: random framing and bytes never crash the server, which still answers', async (t) => {
  const server = new DnsServer(
    { host: '127.0.0.1', port: 0, tcpIdleMs: 500 },
    { entries: [task('web', 'marathon', '10.0.0.1')] },
  );
  const { port } = await server.start();
  t.teardown(() => server.close());
  // Each stream: a few frames with lengths that may lie (short, huge, or right), random bodies,
  // sometimes mutated valid queries, sometimes cut mid-frame.
  const frame = fc.oneof(
    fc.uint8Array({ maxLength: 80 }).map((body) => Buffer.concat([lengthPrefix(body.length), body])),
    fc
      .tuple(fc.nat(65_535), fc.uint8Array({ maxLength: 80 }))
      .map(([n, body]) => Buffer.concat([lengthPrefix(n), body])),
    fc
      .tuple(
        fc.constantFrom(...seeds),
        fc.array(fc.tuple(fc.nat(3), fc.nat(1000), fc.nat(255)), { maxLength: 3 }),
      )
      .map(([seed, edits]) => {
        const q = mutate(seed, edits);
        return Buffer.concat([lengthPrefix(q.length), q]);
      }),
  );
  const streams = fc.sample(fc.array(frame, { minLength: 1, maxLength: 4 }), { numRuns: 150, seed: 7 });
  for (let i = 0; i < streams.length; i += 10) {
    await Promise.all(
      streams.slice(i, i + 10).map(async (frames) => {
        const client = await TcpClient.connect(port);
        for (const f of frames) client.socket.write(f);
        client.socket.end();
        await client.whenClosed(3000).catch(() => client.destroy());
      }),
    );
  }
  const stats = server.stats();
  t.true(stats.queriesTcp > 0, 'some frames were queries');
  t.true((stats.socket['tcp-bad-frame'] ?? 0) > 0, 'lying frames were refused and counted');
  t.is(stats.tcpConnectionsActive, 0, 'every connection was closed');
  const client = await TcpClient.connect(port);
  t.teardown(() => client.destroy());
  client.send({ type: 'query', id: 7, questions: [{ type: 'A', name: `web.marathon.agentip.${ZONE}` }] });
  const [reply] = await client.replies(1);
  t.like(reply, { id: 7, answers: [{ data: '10.0.0.1' }] });
});

function lengthPrefix(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}
