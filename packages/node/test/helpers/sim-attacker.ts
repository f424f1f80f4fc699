import type { Address } from '@trellis/runtime';
import type { SimHost } from '@trellis/sim';
import { toMemberMessage } from '@trellis/swim';
import type { MemberRecord } from '@trellis/membership';
import { WireCodec } from '../../src/wire/wire-codec.js';
import type { SimCluster } from './sim-cluster.js';

/**
 * Someone who can put packets on the simulated network: an outsider (a host of its own, not a
 * member) or an insider (a running member's own host). In a plaintext cluster both send the
 * same bytes; what differs is only the address the packets come from.
 */
export class SimAttacker {
  readonly host: SimHost;
  readonly #codec = new WireCodec({});
  /** Bytes of every request sent (a join request's size is part of what an attack costs). */
  requestBytes = 0;

  private constructor(host: SimHost) {
    this.host = host;
  }

  /** A host of its own that never answers anything. */
  static outsider(c: SimCluster, addr: Address = '10.66.6.6:7946'): SimAttacker {
    const host = c.sim.addHost(addr);
    host.listen({ onDatagram: () => undefined, onRequest: () => undefined });
    return new SimAttacker(host);
  }

  /** The host a running member sends from: its packets come from a member's address. */
  static insider(c: SimCluster, id: string): SimAttacker {
    const host = c.sim.host(c.addrOf(id));
    if (host === undefined) throw new Error(`${id} is not running`);
    return new SimAttacker(host);
  }

  /** Gossip messages in one datagram, as a node piggybacks them. */
  datagram(to: Address, messages: readonly object[]): void {
    const { packets, oversized } = this.#codec.encodeDatagrams(messages);
    if (oversized.length > 0 || packets.length !== 1) throw new Error('does not fit one datagram');
    this.host.sendDatagram(to, packets[0]!);
  }

  /** A member record about anyone, as gossip. */
  member(to: Address, record: MemberRecord): void {
    this.datagram(to, [toMemberMessage(record)]);
  }

  /** A join request carrying `sections` (`{ routes: [...] }`) as its full state. */
  join(to: Address, sections: Record<string, readonly object[]>): void {
    const frame = this.#codec.encodeFrame([{ t: 'join', x: sections }]);
    this.requestBytes += frame.length;
    this.host.request(to, frame, 10_000, () => undefined);
  }
}
