/**
 * The batch encoder writes exactly the bytes the single-request encoders wrote (kept in
 * fixtures/entry-messages.ts), for both families and for odd text the old parsers accepted,
 * and rejects what they rejected with the same message.
 */
import test from 'ava';
import {
  encodeFdb,
  encodeNeighbor,
  encodeRoute,
  maxEntryMessageBytes,
} from '../src/executor/entry-encoder.js';
import { NUD_PERMANENT, nlmF, rtm } from '../src/executor/rtnl-codec.js';
import { fdbMessage, neighborMessage, routeMessage } from './fixtures/entry-messages.js';

const CREATE_REPLACE = nlmF.CREATE | nlmF.REPLACE;

/** Encodes at a non-zero offset into a dirty buffer; returns [header fields, body]. */
function encoded(write: (buf: Buffer, off: number) => number): [number[], Buffer] {
  const buf = Buffer.alloc(3 * maxEntryMessageBytes, 0xa5);
  const start = 40;
  const end = write(buf, start);
  const len = buf.readUInt32LE(start);
  const fields = [len === end - start ? 1 : 0, buf.readUInt16LE(start + 4), buf.readUInt16LE(start + 6)];
  return [fields, buf.subarray(start + 16, end)];
}

const neighbors = [
  { dev: 'vtep1024', ip: '44.128.0.2', mac: '70:b3:d5:80:00:02' },
  { dev: 'vtep1024', ip: 'fd01:a::2', mac: '70:B3:D5:80:00:FF' },
  { dev: 'vtep1024', ip: '044.1.0.2', mac: '7:b3:d5:80:0:2' },
];
const fdbs = [
  { dev: 'vtep1024', mac: '70:b3:d5:80:00:02', dst: '192.168.77.2' },
  { dev: 'vtep1024', mac: '70:b3:d5:80:00:03', dst: 'fd00::3' },
];
const routes = [
  { dst: '9.0.2.0/24', gateway: '44.128.0.2', dev: 'vtep1024' },
  { dst: 'fd02:0:0:2::/64', gateway: 'fd01:a::2', dev: 'vtep1024' },
  { dst: '10.0.0.0/8', gateway: '44.128.0.255', dev: 'vtep1024' },
];

test('neighbor puts and deletes: the same bytes as the single-request encoder', (t) => {
  for (const s of neighbors) {
    const put = encoded((b, o) => encodeNeighbor(b, o, 7, s, true));
    t.deepEqual(put[0], [1, rtm.NEWNEIGH, nlmF.REQUEST | CREATE_REPLACE]);
    t.deepEqual(put[1], neighborMessage(7, s.ip, NUD_PERMANENT, s.mac), s.ip);
    const del = encoded((b, o) => encodeNeighbor(b, o, 7, s, false));
    t.deepEqual(del[0], [1, rtm.DELNEIGH, nlmF.REQUEST]);
    t.deepEqual(del[1], neighborMessage(7, s.ip, 0), s.ip);
  }
});

test('FDB puts and deletes: the same bytes as the single-request encoder', (t) => {
  for (const s of fdbs) {
    const put = encoded((b, o) => encodeFdb(b, o, 9, s, true));
    t.deepEqual(put[0], [1, rtm.NEWNEIGH, nlmF.REQUEST | CREATE_REPLACE]);
    t.deepEqual(put[1], fdbMessage(9, s, NUD_PERMANENT));
    t.deepEqual(encoded((b, o) => encodeFdb(b, o, 9, s, false))[1], fdbMessage(9, s, 0));
  }
});

test('route puts and deletes: the same bytes as the single-request encoder', (t) => {
  for (const s of routes) {
    const put = encoded((b, o) => encodeRoute(b, o, s, 7));
    t.deepEqual(put[0], [1, rtm.NEWROUTE, nlmF.REQUEST | CREATE_REPLACE]);
    t.deepEqual(put[1], routeMessage(s.dst, { gateway: s.gateway, index: 7 }), s.dst);
    const del = encoded((b, o) => encodeRoute(b, o, s, undefined));
    t.deepEqual(del[0], [1, rtm.DELROUTE, nlmF.REQUEST]);
    t.deepEqual(del[1], routeMessage(s.dst), s.dst);
  }
});

test('what the old encoders rejected is rejected with the same message', (t) => {
  const buf = Buffer.alloc(maxEntryMessageBytes);
  const same = (fresh: () => unknown, old: () => unknown): void => {
    const want = t.throws(old);
    t.is(t.throws(fresh)?.message, want?.message);
  };
  same(
    () => encodeNeighbor(buf, 0, 1, { dev: 'v', ip: '44.1.2.300', mac: '70:b3:d5:80:00:02' }, true),
    () => neighborMessage(1, '44.1.2.300', NUD_PERMANENT, '70:b3:d5:80:00:02'),
  );
  same(
    () => encodeNeighbor(buf, 0, 1, { dev: 'v', ip: '44.1.2.3', mac: '70:b3:d5:80:00' }, true),
    () => neighborMessage(1, '44.1.2.3', NUD_PERMANENT, '70:b3:d5:80:00'),
  );
  same(
    () => encodeFdb(buf, 0, 1, { dev: 'v', mac: '70:b3:d5:80:00:02', dst: 'fd00::g' }, true),
    () => fdbMessage(1, { dev: 'v', mac: '70:b3:d5:80:00:02', dst: 'fd00::g' }, NUD_PERMANENT),
  );
  for (const dst of ['9.0.2.0/33', '9.0.2/24', '9.0.2.0']) {
    same(
      () => encodeRoute(buf, 0, { dst, gateway: '44.1.2.3', dev: 'v' }, 1),
      () => routeMessage(dst, { gateway: '44.1.2.3', index: 1 }),
    );
  }
  same(
    () => encodeRoute(buf, 0, { dst: '9.0.2.0/24', gateway: 'fd00::1', dev: 'v' }, 1),
    () => routeMessage('9.0.2.0/24', { gateway: 'fd00::1', index: 1 }),
  );
});
