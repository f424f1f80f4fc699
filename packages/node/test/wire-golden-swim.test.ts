/**
 * Golden bytes of every message the failure detector sends: datagrams (ping, ack, nack, preq,
 * member records with and without an accuser) and stream requests with their replies (sping,
 * join/joinr, pp/pp1, pp2/pp2r, pp3/ok, err).
 *
 * Why bytes and not round trips: a rolling upgrade runs two versions side by side, and a round
 * trip through one version cannot see that it now writes what the other cannot read. Any change
 * to these bytes (a field renamed, reordered, retyped; an integer that becomes a float) is a
 * protocol change: it needs a new wire version or a reader of both forms, and then a new
 * golden here, on purpose.
 *
 * Each message is built by real cores (sans-IO, fixed seeds, virtual time), not typed by hand,
 * so a change in what the code sends fails here. The receiver is then handed the golden bytes
 * decoded, so the exchange goes on with what a peer of this version would send.
 */
import test, { type ExecutionContext } from 'ava';
import { createCipheriv } from 'node:crypto';
import { parseSwimMessage, toMemberMessage, type Swim } from '@trellis/swim';
import { Keyring } from '../src/keyring.js';
import { WireCodec } from '../src/wire/wire-codec.js';
import { SwimCores, addrOf, events } from './helpers/swim-cores.js';
import { UNIX_MS, fromHex, hex, plainBytes, wire } from './helpers/wire-golden.js';

const metaSizeMax = 512;

/** `joiner` joins through `seed` with the messages delivered as they are (no golden check). */
function joinThrough(net: SwimCores, joiner: Swim, joinerAddr: string, seed: Swim): void {
  joiner.join(net.now, [seed.table.self().addr]);
  const join = net.request(joinerAddr, 'join');
  joiner.handleReply(net.now, join.token, seed.handleRequest(net.now, joinerAddr, join.msg));
  // A join request is only a claim; the joiner's first gossip, its own record from its own
  // address, shows the seed it exists (the seed probes and syncs only with such members).
  seed.handleMessage(net.now, joinerAddr, toMemberMessage(joiner.table.self()));
}

/** The message parses with swim's own validator into exactly what was decoded. */
function parses(t: ExecutionContext, decoded: Record<string, unknown>): void {
  t.deepEqual(plainBytes(parseSwimMessage(decoded, metaSizeMax)), { ok: true, msg: plainBytes(decoded) });
}

// Member records, {t:'m', id, a:addr, i:incarnation, s:status, md:meta}: `a` alive with meta 01 02 03,
// incarnation UNIX_MS + 1 (a float64: cb ...); `b` and `c` alive with no meta; `b` after its meta
// changed to 09 (a new incarnation).
const MEMBER_A = `86 a174 a16d  a26964 a161  a161 ad31302e302e302e313a37393436
  a169 cb4279ad9c8b201000  a173 00  a26d64 c403010203`;
const MEMBER_B = `86 a174 a16d  a26964 a162  a161 ad31302e302e302e323a37393436
  a169 cb4279ad9c8b202000  a173 00  a26d64 c400`;
const MEMBER_C = `86 a174 a16d  a26964 a163  a161 ad31302e302e302e333a37393436
  a169 cb4279ad9c8b203000  a173 00  a26d64 c400`;
const MEMBER_B_META_09 = `86 a174 a16d  a26964 a162  a161 ad31302e302e302e323a37393436
  a169 cb4279ad9c8b203000  a173 00  a26d64 c40109`;
// {t:'ping', seq:1, id:'b', src:'a'}
const PING = `84 a174 a470696e67  a3736571 01  a26964 a162  a3737263 a161`;
/** `x` of a full-state or records message: `{members: [records]}`. */
const members = (...records: string[]) =>
  `81 a76d656d62657273 ${(0x90 + records.length).toString(16)} ${records.join(' ')}`;

test('golden: join and joinr, the full-state exchange of a join', (t) => {
  const net = new SwimCores();
  const a = net.add('a', 1, Uint8Array.of(1, 2, 3));
  const b = net.add('b', 2);
  b.join(net.now, [addrOf(1)]);
  const join = net.request(addrOf(2), 'join');
  // {t:'join', x:{members:[b]}}
  const joinIn = wire(t, join.msg, `82 a174 a46a6f696e  a178 ${members(MEMBER_B)}`, 'stream');
  const reply = a.handleRequest(net.now, addrOf(2), joinIn);
  t.is(a.table.get('b')?.incarnation, UNIX_MS + 2, 'the seed merged the joiner from the golden join');
  // {t:'joinr', x:{members:[a], 'members?':[b]}}: b is only a claim of b's join request, so the
  // seed answers it as hearsay, apart from the members it vouches for (swim's Confirmations).
  const joinrIn = wire(
    t,
    reply,
    `82 a174 a56a6f696e72  a178 82 a76d656d62657273 91 ${MEMBER_A}  a86d656d626572733f 91 ${MEMBER_B}`,
    'stream',
  );
  b.handleReply(net.now, join.token, joinrIn);
  t.like(
    events(b).find((e) => e.type === 'joined'),
    { seed: addrOf(1), members: 2 },
  );
  t.deepEqual(b.table.get('a')?.meta, Uint8Array.of(1, 2, 3));
});

test('golden: ping and ack; a member record with its meta', (t) => {
  const net = new SwimCores();
  const a = net.add('a', 1, Uint8Array.of(1, 2, 3));
  const b = net.add('b', 2);
  joinThrough(net, b, addrOf(2), a);
  const ping = wire(t, net.datagramMessage(addrOf(1), 'ping'), PING);
  parses(t, ping);
  b.handleMessage(net.now, addrOf(1), ping);
  // {t:'ack', seq:1, src:'b'}
  const ack = wire(t, net.datagramMessage(addrOf(2), 'ack'), `83 a174 a361636b  a3736571 01  a3737263 a162`);
  parses(t, ack);
  parses(t, wire(t, toMemberMessage(a.table.get('a')!), MEMBER_A));
  t.false('by' in toMemberMessage(a.table.get('a')!, 'b'), 'an alive record never names an accuser');
});

test('golden: a failed probe — preq and nack through a helper, sping and its reply, the suspicion', (t) => {
  const net = new SwimCores();
  const a = net.add('a', 1);
  const b = net.add('b', 2);
  const c = net.add('c', 3);
  joinThrough(net, b, addrOf(2), a);
  joinThrough(net, c, addrOf(3), a);
  const ping = net.datagramMessage(addrOf(1), 'ping') as { id: string };
  t.is(ping.id, 'b', 'scenario: with these seeds a probes b first (b stays silent, c helps)');
  // {t:'preq', seq:1, id:'b', ta:'10.0.0.2:7946', src:'a', nack:true}
  const preq = wire(
    t,
    net.datagramMessage(addrOf(1), 'preq'),
    `86 a174 a470726571  a3736571 01  a26964 a162  a27461 ad31302e302e302e323a37393436
      a3737263 a161  a46e61636b c3`,
  );
  parses(t, preq);
  // {t:'sping', id:'b'}
  const sping = wire(t, net.request(addrOf(1), 'sping').msg, `82 a174 a57370696e67  a26964 a162`, 'stream');
  // The stream ack: {t:'ack', seq:0, src:'b'}; not delivered, so that the probe fails.
  parses(
    t,
    wire(
      t,
      b.handleRequest(net.now, addrOf(1), sping),
      `83 a174 a361636b  a3736571 00  a3737263 a162`,
      'stream',
    ),
  );
  c.handleMessage(net.now, addrOf(1), preq);
  t.like(net.datagramMessage(addrOf(3), 'ping'), { id: 'b', src: 'c' }, 'the helper pings b itself');
  // {t:'nack', seq:1}
  const nack = wire(t, net.datagramMessage(addrOf(3), 'nack'), `82 a174 a46e61636b  a3736571 01`);
  parses(t, nack);
  a.handleMessage(net.now, addrOf(3), nack);
  t.is(a.stats().nacksReceived, 1, 'the prober counted the golden nack');
  // {t:'m', id:'b', a:'10.0.0.2:7946', i, s:1, md:<>, by:'a'}: a suspect record names its accuser.
  const suspect = wire(
    t,
    net.datagramMessage(addrOf(1), 'm', (m) => (m as { s?: unknown }).s === 1),
    `87 a174 a16d  a26964 a162  a161 ad31302e302e302e323a37393436
      a169 cb4279ad9c8b202000  a173 01  a26d64 c400  a26279 a161`,
  );
  parses(t, suspect);
});

test('golden: push-pull — pp/pp1 (roots, buckets), pp2/pp2r (entries, records), pp3/ok', (t) => {
  const net = new SwimCores();
  const a = net.add('a', 1);
  const b = net.add('b', 2);
  const c = net.add('c', 3);
  joinThrough(net, b, addrOf(2), a);
  joinThrough(net, c, addrOf(3), a);
  b.updateMeta(net.now, Uint8Array.of(9)); // b now knows something a does not, and a knows c
  let done: boolean | undefined;
  t.true(b.syncWithRandomPeer(net.now, (_at, ok) => (done = ok)));
  const exchange = (request: string, golden: string, replyGolden: string): void => {
    const sent = net.request(addrOf(2), request);
    const reply = a.handleRequest(net.now, addrOf(2), wire(t, sent.msg, golden, 'stream'));
    b.handleReply(net.now, sent.token, wire(t, reply, replyGolden, 'stream'));
  };
  // {t:'pp', r:{members: root}}: root = [bucket count, entries, hi, lo] of b's digest.
  // {t:'pp1', b:{members: buckets}}: a's [count, hi, lo] per bucket, for the sections that differ.
  exchange(
    'pp',
    `82 a174 a27070  a172 81 a76d656d62657273 94 04 02 ce070b6ac9 cef7b0db95`,
    `82 a174 a3707031  a162 81 a76d656d62657273 9c 01 ce38d32d6a ce49568f02 00 00 00
      02 ce44ee4b1d ce6ba583ac 00 00 00`,
  );
  // {t:'pp2', e:{members:{b:[differing buckets], e:[[key, hi, lo] of b's entries in them]}}}
  // {t:'pp2r', x:{members:{recs:[a's records that differ], want:[keys a wants back]}}}
  exchange(
    'pp2',
    `82 a174 a3707032  a165 81 a76d656d62657273 82  a162 92 00 02
      a165 92 93 a161 ce3a2b56d9 cedd671b97 93 a162 ce49f1803d ceae2b6213`,
    `82 a174 a470703272  a178 81 a76d656d62657273 82
      a472656373 92 ${MEMBER_B} ${MEMBER_C}  a477616e74 91 a162`,
  );
  // {t:'pp3', x:{members:[b's record]}} and {t:'ok'}
  exchange('pp3', `82 a174 a3707033  a178 ${members(MEMBER_B_META_09)}`, `81 a174 a26f6b`);
  t.true(done, 'the exchange completed on the golden replies');
  t.deepEqual(a.table.get('b')?.meta, Uint8Array.of(9));
  t.is(b.table.get('c')?.incarnation, UNIX_MS + 3);
});

test('golden: err replies to requests that are not for us, unknown or malformed', (t) => {
  const net = new SwimCores();
  const a = net.add('a', 1);
  const ask = (msg: unknown) => a.handleRequest(net.now, addrOf(2), msg);
  // {t:'err', reason:'misdirected' | 'unknown' | 'malformed'}
  const err = `82 a174 a3657272  a6726561736f6e`;
  wire(t, ask({ t: 'sping', id: 'z' }), `${err} ab6d69736469726563746564`, 'stream');
  wire(t, ask({ t: 'gossip?' }), `${err} a7756e6b6e6f776e`, 'stream');
  wire(t, ask({ t: 'pp', r: 1 }), `${err} a96d616c666f726d6564`, 'stream');
  t.deepEqual(a.stats().rejected, { unknownRequest: 1, malformedAntiEntropy: 1 });
});

test('golden: an encrypted ping — version, flags, nonce, ciphertext, tag; header and label bound', (t) => {
  const key = new Uint8Array(32).fill(7);
  const net = new SwimCores();
  const a = net.add('a', 1);
  const b = net.add('b', 2);
  joinThrough(net, b, addrOf(2), a);
  const ping = net.datagramMessage(addrOf(1), 'ping');
  const codec = new WireCodec({ keyring: new Keyring(key), label: 'dc1' });
  const packet = codec.encodeDatagrams([ping]).packets[0]!;
  // The keyring draws every nonce itself (none can be injected): seal the golden plaintext with
  // the packet's own nonce here, with node:crypto rather than the keyring, and compare every byte.
  const nonce = packet.subarray(2, 14);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(fromHex('0101 646331')); // header 01 01, then the label 'dc1'
  const sealed = Buffer.concat([cipher.update(fromHex(`91 ${PING}`)), cipher.final(), cipher.getAuthTag()]);
  t.is(hex(packet), `0101${hex(nonce)}${hex(sealed)}`);
  // Sealed once with nonce 00..0b, as a peer of this wire version seals it: it must still open.
  const golden = fromHex(`01 01  000102030405060708090a0b
    89054804b979b027101196f99359ce93859dd42d6b10149077  6e2e099c2e8d88b817294a6e0b959786`);
  t.deepEqual(codec.decode(golden), { ok: true, messages: [ping] });
  const otherCluster = new WireCodec({ keyring: new Keyring(key), label: 'dc2' });
  t.deepEqual(otherCluster.decode(golden), { ok: false, reason: 'decrypt' });
});
