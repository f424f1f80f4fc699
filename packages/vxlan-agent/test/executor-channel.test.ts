/**
 * The netlink request layer and apply() on a scripted fake socket: timeouts, socket errors,
 * NLM_F_DUMP_INTR, ENOBUFS, EPERM and chain skipping, none of which a healthy kernel shows on
 * demand. Needs no privileges.
 */
import test from 'ava';
import {
  DumpInterruptedError,
  NetlinkSocketError,
  NetlinkTimeoutError,
  PermissionError,
} from '../src/executor/errors.js';
import { NetlinkExecutor } from '../src/executor/netlink-executor.js';
import { RtnlChannel } from '../src/executor/rtnl-channel.js';
import { encodeIfInfo, ifla, cstr, rtm } from '../src/executor/rtnl-codec.js';
import type { Op } from '../src/kernel-model.js';
import { FakeTransport, done, errMsg, nlmsg } from './fixtures/fake-netlink.js';

function channel(t: FakeTransport, lost: string[] = [], timeoutMs = 50) {
  return new RtnlChannel(t, { requestTimeoutMs: timeoutMs, dumpRetriesMax: 2, onLost: (r) => lost.push(r) });
}

test('a request without an answer rejects with NetlinkTimeoutError and asks for a resync', async (t) => {
  const lost: string[] = [];
  const ch = channel(new FakeTransport(() => undefined), lost, 30);
  const err = await t.throwsAsync(ch.request('get link x', rtm.GETLINK, 0, Buffer.alloc(16)));
  t.true(err instanceof NetlinkTimeoutError);
  t.deepEqual(lost, ['timeout: get link x']);
});

test('a socket error fails every pending request at once', async (t) => {
  const lost: string[] = [];
  const tr = new FakeTransport(() => undefined);
  const ch = channel(tr, lost, 5000);
  const a = ch.request('a', rtm.NEWNEIGH, 0, Buffer.alloc(12));
  const b = ch.dump('b', rtm.GETROUTE, Buffer.alloc(12));
  await new Promise(setImmediate); // the dump is queued behind a promise tick before it is sent
  t.is(tr.sent.length, 2);
  tr.fail('ENOBUFS');
  for (const p of [a, b]) t.true((await t.throwsAsync(p)) instanceof NetlinkSocketError);
  t.deepEqual(lost, ['socket error ENOBUFS']);
});

test('an interrupted dump is repeated, and never returned partial', async (t) => {
  let calls = 0;
  const ch = channel(
    new FakeTransport((r) => {
      calls++;
      const part = nlmsg(rtm.NEWROUTE, 2 | (calls === 1 ? 0x10 : 0), r.seq, Buffer.alloc(12));
      return [part, done(r.seq)];
    }),
  );
  t.is((await ch.dump('routes', rtm.GETROUTE, Buffer.alloc(12))).length, 1);
  t.is(calls, 2, 'the flagged first dump was thrown away');
  const always = channel(new FakeTransport((r) => [done(r.seq, 0x10)]));
  const err = await t.throwsAsync(always.dump('links', rtm.GETLINK, Buffer.alloc(16)), {
    instanceOf: DumpInterruptedError,
  });
  t.is(err?.attempts, 3);
});

test('dumps run one at a time on the socket', async (t) => {
  const tr = new FakeTransport((r) => [done(r.seq)]);
  const ch = channel(tr);
  await Promise.all([1, 2, 3].map(() => ch.dump('x', rtm.GETLINK, Buffer.alloc(16))));
  t.is(tr.sent.length, 3);
  t.is(tr.maxOutstanding, 1);
});

test('EPERM from the kernel is a PermissionError; ENOBUFS asks for a resync', async (t) => {
  const lost: string[] = [];
  const ch = channel(new FakeTransport((r) => [errMsg(r.seq, r.type === rtm.NEWLINK ? 1 : 105)]), lost);
  const perm = await t.throwsAsync(ch.request('create vtep', rtm.NEWLINK, 0, Buffer.alloc(16)), {
    instanceOf: PermissionError,
  });
  t.is(perm?.code, 'ERR_TRELLIS_NET_ADMIN');
  await t.throwsAsync(ch.request('neighbor', rtm.NEWNEIGH, 0, Buffer.alloc(12)), { message: /ENOBUFS/ });
  t.deepEqual(lost, ['ENOBUFS: neighbor']);
});

test('a failed neighbor stops its own FDB entry and route, not another remote', async (t) => {
  const link = encodeIfInfo({ index: 7 }, [{ type: ifla.IFNAME, data: cstr('vtep1024') }]);
  const tr = new FakeTransport((r) => {
    if (r.type === rtm.GETLINK) return [nlmsg(rtm.NEWLINK, 0, r.seq, link), errMsg(r.seq, 0)];
    const failing =
      r.type === rtm.NEWNEIGH && r.data.readUInt8(0) === 2 && r.data.includes(Buffer.from([44, 128, 0, 2]));
    return [errMsg(r.seq, failing ? 22 : 0)];
  });
  const ex = await NetlinkExecutor.open({ transport: tr, checkCapabilities: false });
  const remote = (n: number): Op[] => [
    {
      op: 'put',
      object: {
        kind: 'neighbor',
        spec: { dev: 'vtep1024', ip: `44.128.0.${n}`, mac: `70:b3:d5:80:00:0${n}` },
      },
    },
    {
      op: 'put',
      object: { kind: 'fdb', spec: { dev: 'vtep1024', mac: `70:b3:d5:80:00:0${n}`, dst: `192.168.77.${n}` } },
    },
    {
      op: 'put',
      object: { kind: 'route', spec: { dst: `9.0.${n}.0/24`, gateway: `44.128.0.${n}`, dev: 'vtep1024' } },
    },
  ];
  const r = await ex.apply([...remote(2), ...remote(3)]);
  t.is(r.errors.length, 1);
  t.regex(r.errors[0]?.error.message ?? '', /EINVAL/);
  t.deepEqual(r.skipped, remote(2).slice(1));
  t.like(r.applied.put, { neighbor: 1, fdb: 1, route: 1 });
  t.false(ex.needsResync);
  ex.close();
});
