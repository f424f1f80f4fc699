import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import test from 'ava';
import { TcpConnections } from '../src/tcp-connections.js';

/** What TcpConnections uses of a socket, from any address a real one could report. */
class FakeSocket extends EventEmitter {
  destroyed = false;
  readonly writableLength = 0;
  constructor(readonly remoteAddress: string) {
    super();
  }
  setNoDelay(): void {}
  write(): boolean {
    return true;
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
}

test('the per-client cap counts an IPv6 client by its /64, and an IPv4-mapped address as its IPv4', (t) => {
  const counts: Record<string, number> = {};
  const tcp = new TcpConnections({
    connectionsMax: 100,
    connectionsPerClientMax: 2,
    firstQueryMs: 60_000,
    idleMs: 60_000,
    queryBytesMax: 4096,
    backlogBytesMax: 1 << 20,
    onQuery: () => undefined,
    count: (kind) => (counts[kind] = (counts[kind] ?? 0) + 1),
  });
  t.teardown(() => tcp.destroyAll());
  const open = (address: string) => {
    const socket = new FakeSocket(address);
    tcp.accept(socket as unknown as Socket);
    return socket;
  };
  // One host owns a /64 and may use any address in it: each a fresh client, 8 apiece, would let
  // it take every connection there is.
  const v6 = ['2001:db8:1:2::1', '2001:db8:1:2::2', '2001:db8:1:2:ffff::3'].map(open);
  t.deepEqual(
    v6.map((s) => s.destroyed),
    [false, false, true],
  );
  t.false(open('2001:db8:1:3::1').destroyed, 'another /64 is another client');
  v6[0]!.destroy();
  t.false(open('2001:db8:1:2::4').destroyed, 'a closed connection frees its place');
  // A dual-stack listener sees IPv4 clients as ::ffff:a.b.c.d: the same client either way, and
  // not one client for all of IPv4.
  const v4 = ['10.0.0.1', '::ffff:10.0.0.1', '::ffff:10.0.0.1'].map(open);
  t.deepEqual(
    v4.map((s) => s.destroyed),
    [false, false, true],
  );
  t.false(open('::ffff:10.0.0.2').destroyed, 'IPv4 clients are counted by address');
  t.is(counts['tcp-client-limit'], 2);
  t.is(tcp.active, 6);
});
