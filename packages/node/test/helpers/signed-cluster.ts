import { SignedBytes, type Address } from '@trellis/runtime';
import type { toMemberMessage } from '@trellis/swim';
import { SimCluster, type GossipNode } from './sim-cluster.js';
import type { TestCa } from './sim-identity.js';
import { ov16, publisher, tablesMatchTruth, underlayOf } from './routes-fixtures.js';
import { WireCodec } from '../../src/wire/wire-codec.js';

/**
 * A five-node cluster, each node publishing a route and a task (with identity on when given a
 * CA), and the tools of an attacker against it: datagrams from any host, counts of what the
 * nodes refused.
 */

export const victim = 'n2';
export const codec = new WireCodec({});

export function cluster(seed: number, ca?: TestCa): SimCluster {
  const c = new SimCluster({
    seed,
    nodes: 5,
    overlays: ov16,
    ...(ca === undefined ? {} : { ca }),
    onStart: (node) => {
      publisher('ov')(node);
      node.stores.tasks.publish({
        id: 'web',
        name: 'web',
        framework: 'marathon',
        agentIp: underlayOf(node.id),
        networks: [],
      });
    },
  });
  const ok = c.sim.runUntil(() => converged(c, 5), { timeoutMs: 60_000 });
  if (!ok) throw new Error(`SEED=${seed}: the cluster did not converge`);
  return c;
}

export function converged(c: SimCluster, n: number): boolean {
  return (
    tablesMatchTruth(c, 'ov') &&
    c.running().every((node) => node.stores.routes.table('ov').length === n - 1) &&
    c
      .running()
      .every(
        (node) =>
          node.members().filter((m) => m.status === 'alive').length === n &&
          node.stores.tasks.list().length === n,
      )
  );
}

/** Sends `messages` in one datagram from `from` (an outsider's host, or a member's own). */
export function inject(c: SimCluster, from: Address, messages: readonly object[]): void {
  const host = c.sim.host(from) ?? c.sim.addHost(from);
  const { packets } = codec.encodeDatagrams(messages);
  for (const to of c.running().map((n) => n.address)) for (const p of packets) host.sendDatagram(to, p);
}

export function rejected(nodes: readonly GossipNode[], reason: string): number {
  return nodes.reduce((sum, n) => sum + (n.stats().rejected[reason] ?? 0), 0);
}

export const others = (c: SimCluster) => c.running().filter((n) => n.id !== victim);

/** A member record's signed bytes, as swim builds them (a change here is a protocol change). */
export function memberPayload(m: ReturnType<typeof toMemberMessage>, signer: string): Uint8Array {
  return new SignedBytes('trellis-member-v1')
    .string(m.id)
    .string(m.a)
    .uint(m.i)
    .uint(m.s)
    .bytes(m.md)
    .string(signer)
    .finish();
}
