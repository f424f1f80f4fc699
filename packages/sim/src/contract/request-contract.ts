import { TransportError } from '@trellis/runtime';
import type { TestFn } from 'ava';
import { bytes, recorder, replyLog, withHarness, type MakeHarness } from './harness.js';

/** Request/reply half of the transport contract. */
export function requestContract(test: TestFn, name: string, make: MakeHarness): void {
  test(`${name}: a request gets its reply, and onReply never runs inside request()`, (t) =>
    withHarness(make, async (h) => {
      const a = await h.create();
      const b = await h.create();
      const rec = recorder((_from, payload, reply) => reply(Uint8Array.from([...payload].reverse())));
      b.listen(rec);
      const log = replyLog();
      a.request(b.localAddress, bytes(1, 2, 3), 2_000, log.onReply);
      t.is(log.calls.length, 0);
      await h.settle(200);
      t.is(rec.requests[0]?.from, a.localAddress);
      t.is(log.calls.length, 1);
      t.is(log.calls[0]?.error, undefined);
      t.deepEqual([...(log.calls[0]?.reply ?? [])], [3, 2, 1]);
    }));

  test(`${name}: a reply larger than streamSizeMax fails the request with OVERSIZED`, (t) =>
    withHarness(make, async (h) => {
      const a = await h.create();
      const b = await h.create();
      b.listen(recorder((_from, _payload, reply) => reply(new Uint8Array(b.streamSizeMax + 1))));
      const log = replyLog();
      a.request(b.localAddress, bytes(1), 2_000, log.onReply);
      await h.settle(1_000);
      t.is(log.calls.length, 1);
      t.true(log.calls[0]?.error instanceof TransportError);
      t.is(log.calls[0]?.error?.code, 'ERR_TRELLIS_OVERSIZED');
    }));

  test(`${name}: a request never answered times out, once, even if the reply comes late`, (t) =>
    withHarness(make, async (h) => {
      const a = await h.create();
      const b = await h.create();
      let late: ((payload: Uint8Array) => void) | undefined;
      b.listen(recorder((_from, _payload, reply) => (late = reply)));
      const log = replyLog();
      a.request(b.localAddress, bytes(1), 100, log.onReply);
      await h.settle(300);
      t.is(log.calls.length, 1);
      t.is(log.calls[0]?.error?.code, 'ERR_TRELLIS_TIMEOUT');
      t.truthy(late, 'the request reached the responder');
      late?.(bytes(2));
      await h.settle(100);
      t.is(log.calls.length, 1);
    }));

  test(`${name}: a request to an unreachable address fails REFUSED, UNREACHABLE or TIMEOUT`, (t) =>
    withHarness(make, async (h) => {
      const a = await h.create();
      const log = replyLog();
      a.request(h.unreachableAddress(), bytes(1), 200, log.onReply);
      t.is(log.calls.length, 0);
      await h.settle(500);
      t.is(log.calls.length, 1);
      t.true(
        ['ERR_TRELLIS_REFUSED', 'ERR_TRELLIS_UNREACHABLE', 'ERR_TRELLIS_TIMEOUT'].includes(
          log.calls[0]?.error?.code ?? '',
        ),
      );
    }));

  test(`${name}: onReply is called exactly once, with no late timeout after a reply`, (t) =>
    withHarness(make, async (h) => {
      const a = await h.create();
      const b = await h.create();
      b.listen(recorder((_from, payload, reply) => reply(payload)));
      const log = replyLog();
      a.request(b.localAddress, bytes(5), 150, log.onReply);
      await h.settle(400);
      t.is(log.calls.length, 1);
      t.is(log.calls[0]?.error, undefined);
    }));

  test(`${name}: closing fails pending requests with CLOSED, once`, (t) =>
    withHarness(make, async (h) => {
      const a = await h.create();
      const b = await h.create();
      b.listen(recorder());
      const log = replyLog();
      a.request(b.localAddress, bytes(1), 5_000, log.onReply);
      await h.settle(50);
      a.close();
      a.close();
      await h.settle(50);
      t.is(log.calls.length, 1);
      t.is(log.calls[0]?.error?.code, 'ERR_TRELLIS_CLOSED');
    }));

  test(`${name}: concurrent requests are matched to their own replies`, (t) =>
    withHarness(make, async (h) => {
      const a = await h.create();
      const b = await h.create();
      const c = await h.create();
      const echo = (tag: number) =>
        recorder((_from, payload, reply) => reply(Uint8Array.from([tag, ...payload])));
      b.listen(echo(0xb));
      c.listen(echo(0xc));
      const logs = Array.from({ length: 8 }, () => replyLog());
      logs.forEach((log, i) => a.request((i % 2 ? c : b).localAddress, bytes(i), 2_000, log.onReply));
      await h.settle(300);
      logs.forEach((log, i) => {
        t.is(log.calls.length, 1);
        t.deepEqual([...(log.calls[0]?.reply ?? [])], [i % 2 ? 0xc : 0xb, i]);
      });
    }));
}
