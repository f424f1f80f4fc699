/**
 * Entry ops written in batches (many requests per datagram, answers matched by sequence), on a
 * scripted fake socket: a request that fails inside a batch fails alone with the error a request
 * of its own had; ordering across kinds; one deadline per batch; ENOBUFS and socket errors mark
 * the executor for a resync as before. Needs no privileges.
 */
import test from 'ava';
import { NetlinkRequestError, NetlinkSocketError } from '../src/executor/errors.js';
import { batchMessages } from '../src/executor/entry-batch.js';
import { NetlinkExecutor } from '../src/executor/netlink-executor.js';
import { cstr, encodeIfInfo, ifla, nlmF, rtm } from '../src/executor/rtnl-codec.js';
import type { Op } from '../src/kernel-model.js';
import { FakeTransport, errMsg, nlmsg, type Request } from './fixtures/fake-netlink.js';

const dev = 'vtep1024';
const link = encodeIfInfo({ index: 7 }, [{ type: ifla.IFNAME, data: cstr(dev) }]);
const ip = (i: number): string => `44.128.${i >> 8}.${i & 0xff}`;
const mac = (i: number): string =>
  `70:b3:d5:80:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;

/** The planner's order for remotes 1..n: every neighbor, then every FDB entry, then every route. */
function remotes(n: number): Op[] {
  const ids = Array.from({ length: n }, (_, k) => k + 1);
  return [
    ...ids.map((i): Op => ({
      op: 'put',
      object: { kind: 'neighbor', spec: { dev, ip: ip(i), mac: mac(i) } },
    })),
    ...ids.map((i): Op => ({
      op: 'put',
      object: { kind: 'fdb', spec: { dev, mac: mac(i), dst: `10.1.0.${i & 0xff}` } },
    })),
    ...ids.map((i): Op => ({
      op: 'put',
      object: { kind: 'route', spec: { dst: `9.${i >> 8}.${i & 0xff}.0/24`, gateway: ip(i), dev } },
    })),
  ];
}

/** Answers GETLINK of vtep1024 with ifindex 7 (any other: ENODEV), every other request with `errno(r)` (0: ACK). */
function kernel(errno: (r: Request) => number | undefined = () => 0): FakeTransport {
  return new FakeTransport((r) => {
    if (r.type === rtm.GETLINK && r.data.includes(cstr(dev)))
      return [nlmsg(rtm.NEWLINK, 0, r.seq, link), errMsg(r.seq, 0)];
    if (r.type === rtm.GETLINK) return [errMsg(r.seq, 19)];
    const e = errno(r);
    return e === undefined ? undefined : [errMsg(r.seq, e)];
  });
}

const isNeighbor = (r: Request, i: number): boolean =>
  r.type === rtm.NEWNEIGH &&
  r.data.readUInt8(0) === 2 &&
  r.data.subarray(16, 20).equals(Buffer.from(ip(i).split('.').map(Number)));

async function open(tr: FakeTransport, requestTimeoutMs = 2000): Promise<NetlinkExecutor> {
  return NetlinkExecutor.open({ transport: tr, checkCapabilities: false, requestTimeoutMs });
}

test('many entry ops go to the kernel in few datagrams, one answer each when all succeed', async (t) => {
  const tr = kernel();
  const ex = await open(tr);
  const ops = remotes(600);
  const r = await ex.apply(ops);
  t.deepEqual(r.errors, []);
  t.like(r.applied.put, { neighbor: 600, fdb: 600, route: 600 });
  const entries = tr.sent.filter((m) => m.type !== rtm.GETLINK);
  t.is(entries.length, 1800);
  const datagrams = new Set(entries.map((m) => m.datagram));
  t.is(datagrams.size, 3 * Math.ceil(600 / batchMessages), 'each kind in ceil(600 / batch) datagrams');
  // NLM_F_ACK on the last request of each datagram only: one answer per batch.
  const acked = entries.filter((m) => (m.flags & nlmF.ACK) !== 0);
  t.is(acked.length, datagrams.size);
  t.true(acked.every((m) => entries.findLast((e) => e.datagram === m.datagram) === m));
  t.is(tr.maxOutstanding, 1);
  t.is(new Set(entries.map((m) => m.seq)).size, 1800, 'every request has its own sequence number');
  ex.close();
});

test('a request that fails inside a batch fails alone, with the error it had on its own', async (t) => {
  const tr = kernel((r) => (isNeighbor(r, 3) ? 22 : 0));
  const ex = await open(tr);
  const ops = remotes(5);
  const r = await ex.apply(ops);
  t.is(r.errors.length, 1);
  const { op, error } = r.errors[0]!;
  t.deepEqual(op, ops[2]);
  t.true(error instanceof NetlinkRequestError);
  t.is(error.message, `netlink neighbor ${ip(3)} -> ${mac(3)} on ${dev}: EINVAL (errno 22)`);
  t.like(error, {
    name: 'NetlinkRequestError',
    code: 'ERR_TRELLIS_NETLINK_REQUEST',
    errno: 22,
    errnoCode: 'EINVAL',
  });
  // Its FDB entry and route are skipped, as before; the other remotes land.
  t.deepEqual(r.skipped, [ops[5 + 2], ops[10 + 2]]);
  t.like(r.applied.put, { neighbor: 4, fdb: 4, route: 4 });
  t.is(
    new Set(
      tr.sent.filter((m) => m.type === rtm.NEWNEIGH && m.data.readUInt8(0) === 2).map((m) => m.datagram),
    ).size,
    1,
  );
  t.false(ex.needsResync);
  ex.close();
});

test('every neighbor is acknowledged before the first route that needs it is sent', async (t) => {
  const tr = kernel();
  const ex = await open(tr);
  await ex.apply(remotes(300));
  const firstRoute = tr.sent.findIndex((m) => m.type === rtm.NEWROUTE);
  const lastNeighbor = tr.sent.findLastIndex((m) => m.type === rtm.NEWNEIGH && m.data.readUInt8(0) === 2);
  t.true(lastNeighbor < firstRoute);
  // When the first route datagram went out, every answer made so far had been received.
  const d = tr.sent[firstRoute]!.datagram;
  t.true(tr.madeAtSend[d]! > 0);
  t.is(tr.answeredAtSend[d], tr.madeAtSend[d]);
  ex.close();
});

test('a batch whose last answer never comes times out once; an op with its own error keeps it', async (t) => {
  // The kernel rejects neighbor 1 and then answers nothing more.
  const tr = kernel((r) => (isNeighbor(r, 1) ? 22 : undefined));
  const ex = await open(tr, 1000);
  const ops = remotes(4).slice(0, 4);
  const r = await ex.apply(ops);
  t.like(r.applied.put, { neighbor: 0 });
  t.deepEqual(
    r.errors.map((e) => [e.op, e.error.name, e.error.message]),
    [
      [ops[0], 'NetlinkRequestError', `netlink neighbor ${ip(1)} -> ${mac(1)} on ${dev}: EINVAL (errno 22)`],
      ...[2, 3, 4].map((i) => [
        ops[i - 1],
        'NetlinkTimeoutError',
        `netlink neighbor ${ip(i)} -> ${mac(i)} on ${dev}: no answer within 1000 ms`,
      ]),
    ],
  );
  t.is(ex.needsResyncReason, `timeout: neighbor ${ip(2)} -> ${mac(2)} on ${dev}`);
  ex.close();
});

test('ENOBUFS on the socket fails the ops of the batch in flight and asks for a resync', async (t) => {
  const tr = kernel((r) => (r.type === rtm.NEWNEIGH ? undefined : 0));
  const ex = await open(tr, 5000);
  const pending = ex.apply(remotes(4).slice(0, 4));
  // The link lookup answered and the batch sent, then the receive queue overflows.
  for (let i = 0; i < 1000 && tr.datagrams < 2; i++) await new Promise(setImmediate);
  t.is(tr.datagrams, 2);
  tr.fail('ENOBUFS');
  const r = await pending;
  t.like(r.applied.put, { neighbor: 0 });
  t.is(r.errors.length, 4);
  t.true(
    r.errors.every(
      (e) => e.error instanceof NetlinkSocketError && e.error.message === 'netlink socket error: ENOBUFS',
    ),
  );
  t.is(ex.needsResyncReason, 'socket error ENOBUFS');
  ex.close();
});

test('ENOBUFS in an answer inside a batch fails that op and asks for a resync', async (t) => {
  const tr = kernel((r) => (isNeighbor(r, 2) ? 105 : 0));
  const ex = await open(tr);
  const r = await ex.apply(remotes(3).slice(0, 3));
  t.deepEqual(
    r.errors.map((e) => e.error.message),
    [`netlink neighbor ${ip(2)} -> ${mac(2)} on ${dev}: ENOBUFS (errno 105)`],
  );
  t.is(ex.needsResyncReason, `ENOBUFS: neighbor ${ip(2)} -> ${mac(2)} on ${dev}`);
  ex.close();
});

test('deletes in a batch: already gone is success, another error fails that delete alone', async (t) => {
  const tr = kernel((r) => {
    if (r.type !== rtm.DELROUTE) return 0;
    const third = r.data.readUInt8(12 + 4 + 2);
    return third === 1 ? 2 /* ENOENT */ : third === 2 ? 22 : 0;
  });
  const ex = await open(tr);
  const ops: Op[] = [1, 2, 3].map((i) => ({
    op: 'delete',
    object: { kind: 'route', spec: { dst: `9.0.${i}.0/24`, gateway: ip(i), dev } },
  }));
  const r = await ex.apply(ops);
  t.deepEqual(
    r.errors.map((e) => [e.op, e.error.message]),
    [[ops[1], 'netlink delete route 9.0.2.0/24: EINVAL (errno 22)']],
  );
  t.is(r.applied.delete.route, 2);
  ex.close();
});

test('an op that cannot be encoded or has no device fails alone, before anything is sent', async (t) => {
  const tr = kernel();
  const ex = await open(tr);
  const ops: Op[] = [
    { op: 'put', object: { kind: 'route', spec: { dst: '9.0.1.0/24', gateway: ip(1), dev } } },
    { op: 'put', object: { kind: 'route', spec: { dst: '9.0.2.0/24', gateway: 'fd00::2', dev } } },
    { op: 'put', object: { kind: 'route', spec: { dst: '9.0.3.0/24', gateway: ip(3), dev: 'vtep9' } } },
    { op: 'put', object: { kind: 'route', spec: { dst: '9.0.4.0/33', gateway: ip(4), dev } } },
  ];
  const r = await ex.apply(ops);
  t.deepEqual(
    r.errors.map((e) => [e.op, e.error.name, e.error.message]),
    [
      [ops[1], 'TypeError', 'route 9.0.2.0/24: gateway fd00::2 is of the other family'],
      [ops[2], 'NetlinkRequestError', 'netlink find link vtep9: ENODEV (errno 19)'],
      [ops[3], 'TypeError', 'not an IP prefix: 9.0.4.0/33'],
    ],
  );
  t.is(r.applied.put.route, 1);
  t.is(tr.sent.filter((m) => m.type === rtm.NEWROUTE).length, 1);
  ex.close();
});

test('a send that throws fails the ops of its batch alone; apply still returns', async (t) => {
  const tr = kernel();
  const ex = await open(tr);
  const send = tr.send.bind(tr);
  tr.send = (msg, cb) => {
    if (msg.readUInt16LE(4) === rtm.NEWNEIGH)
      throw Object.assign(new Error('socket is closed'), { code: 'EBADF' });
    send(msg, cb);
  };
  const ops = remotes(2);
  const r = await ex.apply(ops);
  t.deepEqual(
    r.errors.map((e) => [e.op, e.error.name, e.error.message]),
    [1, 2].map((i) => [
      ops[i - 1],
      'NetlinkSocketError',
      `netlink send (neighbor ${ip(i)} -> ${mac(i)} on ${dev}) failed`,
    ]),
  );
  t.deepEqual(r.skipped, ops.slice(2));
  // The channel still works: the next batch goes out.
  tr.send = send;
  t.deepEqual((await ex.apply(ops)).errors, []);
  ex.close();
});
