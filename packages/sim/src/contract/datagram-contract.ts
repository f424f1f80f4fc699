import { TransportError } from '@trellis/runtime';
import type { TestFn } from 'ava';
import { bytes, recorder, withHarness, type MakeHarness } from './harness.js';

/** Datagram half of the transport contract. */
export function datagramContract(test: TestFn, name: string, make: MakeHarness): void {
  test(`${name}: a datagram arrives from the sender's localAddress with identical bytes`, (t) =>
    withHarness(make, async (h) => {
      const a = await h.create();
      const b = await h.create();
      const rec = recorder();
      b.listen(rec);
      const sent = bytes(1, 2, 3, 250, 0, 7);
      a.sendDatagram(b.localAddress, sent);
      await h.settle(100);
      t.is(rec.datagrams.length, 1);
      t.is(rec.datagrams[0]?.from, a.localAddress);
      t.deepEqual([...(rec.datagrams[0]?.payload ?? [])], [1, 2, 3, 250, 0, 7]);
    }));

  test(`${name}: the receiver's buffer is not the sender's`, (t) =>
    withHarness(make, async (h) => {
      const a = await h.create();
      const b = await h.create();
      const rec = recorder();
      b.listen(rec);
      const sent = bytes(9, 8, 7, 6);
      a.sendDatagram(b.localAddress, sent);
      sent.fill(0); // the sender reuses its buffer at once
      await h.settle(100);
      const got = rec.datagrams[0]?.payload;
      t.deepEqual([...(got ?? [])], [9, 8, 7, 6]);
      t.not(got?.buffer, sent.buffer);
    }));

  test(`${name}: a datagram up to datagramSizeMax is accepted, one byte more throws OVERSIZED`, (t) =>
    withHarness(make, async (h) => {
      const a = await h.create();
      const b = await h.create();
      t.notThrows(() => a.sendDatagram(b.localAddress, new Uint8Array(a.datagramSizeMax)));
      const error = t.throws(() => a.sendDatagram(b.localAddress, new Uint8Array(a.datagramSizeMax + 1)), {
        instanceOf: TransportError,
      });
      t.is(error.code, 'ERR_TRELLIS_OVERSIZED');
      await h.settle(50);
    }));

  test(`${name}: nothing is delivered before listen (and nothing is queued for later)`, (t) =>
    withHarness(make, async (h) => {
      const a = await h.create();
      const b = await h.create();
      a.sendDatagram(b.localAddress, bytes(1));
      await h.settle(100);
      const rec = recorder();
      b.listen(rec);
      await h.settle(100);
      t.is(rec.datagrams.length, 0);
      a.sendDatagram(b.localAddress, bytes(2));
      await h.settle(100);
      t.deepEqual(
        rec.datagrams.map((d) => d.payload[0]),
        [2],
      );
    }));

  test(`${name}: close is idempotent and a closed transport refuses to send`, (t) =>
    withHarness(make, async (h) => {
      const a = await h.create();
      const b = await h.create();
      a.close();
      t.notThrows(() => a.close());
      const error = t.throws(() => a.sendDatagram(b.localAddress, bytes(1)), { instanceOf: TransportError });
      t.is(error.code, 'ERR_TRELLIS_CLOSED');
      const requestError = t.throws(() => a.request(b.localAddress, bytes(1), 100, () => {}), {
        instanceOf: TransportError,
      });
      t.is(requestError.code, 'ERR_TRELLIS_CLOSED');
      await h.settle(20);
    }));
}
