/** The peers of the real-UDP suite: N trellis nodes in this process, and the view the bench keeps of them. */
import { randomInt } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  WireCodec,
  createUdpTransport,
  realScheduler,
  startNode,
  type GossipNode as AnyGossipNode,
  type GossipNodeEvents,
  type UdpTransport,
} from '@trellis/node';
import { parseOverlays, routeStore, type RoutesApi } from '@trellis/routes';
import { taskStore, type TasksApi } from '@trellis/tasks';
import { Rng, silentLogger, type RecordSigning } from '@trellis/runtime';
import type { SwimConfig } from '@trellis/swim';
import type { Profile } from './udp-plan.js';

/** A peer runs what an agent runs: membership, the route store, the task store. */
type GossipNode = AnyGossipNode<{ readonly routes: RoutesApi; readonly tasks: TasksApi }>;
type MemberEvent = GossipNodeEvents['member'][0];
type MemberStatus = MemberEvent['member']['status'];

export const host = '127.0.0.1';
export const overlayName = 'dcos';
const overlays = parseOverlays([{ name: overlayName, subnet: '9.0.0.0/8' }]);
export const closeDeadlineMs = 10_000;

type SwimCounter =
  | 'suspicionsRaised'
  | 'confirmations'
  | 'deathsDeclared'
  | 'refutations'
  | 'lateTimers'
  | 'probesFailed'
  | 'probesInconclusive';

/** One node and what the bench tracks of it: its transport (for byte counts) and its member view. */
interface Peer {
  readonly node: GossipNode;
  readonly transport: UdpTransport;
  readonly status: Map<string, MemberStatus>;
  alive: number;
}

/**
 * Like `createNode` (plaintext, no label), but keeps the transport: its counters include the TCP
 * replies (push-pull answers) that the node's driver does not count, and `steady` must see all
 * bytes a node sends.
 */
async function startPeer(
  id: string,
  profile: Profile,
  signing?: RecordSigning,
  swim?: Partial<SwimConfig>,
): Promise<Peer> {
  const transport = await createUdpTransport({ bindHost: host, bindPort: 0 });
  try {
    const codec = new WireCodec({ label: '' });
    const now = realScheduler.now();
    const node = startNode({
      id,
      addr: transport.localAddress,
      incarnation: now,
      now,
      rng: Rng.fromSeed(randomInt(0, 2 ** 32 - 1)),
      profile,
      // Every node on loopback: their underlays are too.
      stores: { routes: routeStore({ overlays, config: { loopbackUnderlay: true } }), tasks: taskStore() },
      ...(signing === undefined ? {} : { signing }),
      ...(swim === undefined ? {} : { config: swim }),
      logger: silentLogger,
      envelopeReserveBytes: codec.overheadBytes,
      transport,
      scheduler: realScheduler,
      codec,
      onClose: () => transport.whenClosed(),
    });
    return { node, transport, status: new Map([[id, 'alive']]), alive: 1 };
  } catch (error) {
    await transport.whenClosed();
    throw error;
  }
}

/** N peers and one view of them: how many list every member alive, and a hook on member events. */
export class Cluster {
  readonly peers: Peer[] = [];
  /** Set the moment every peer lists all `n` members alive (first time only). */
  convergedAt: number | undefined;
  onMember: ((observer: number, e: MemberEvent, at: number) => void) | undefined;
  #full = 0;

  constructor(
    readonly profile: Profile,
    readonly n: number,
    readonly tag: string,
    /** With identity on: each node's signing (its key, certificate and trust), by id. */
    readonly identity?: (id: string) => RecordSigning,
    /** Overrides of the profile's failure-detector settings (the peers run's same-multiplier variant). */
    readonly swim?: Partial<SwimConfig>,
  ) {}

  async add(): Promise<Peer> {
    const index = this.peers.length;
    const id = `${this.tag}-${String(index).padStart(3, '0')}`;
    const peer = await startPeer(id, this.profile, this.identity?.(id), this.swim);
    this.peers.push(peer);
    peer.node.on('member', (e) => this.#observe(index, peer, e));
    return peer;
  }

  #observe(index: number, peer: Peer, e: MemberEvent): void {
    const at = performance.now();
    const before = peer.alive;
    const prev = peer.status.get(e.member.id);
    peer.status.set(e.member.id, e.member.status);
    peer.alive += (e.member.status === 'alive' ? 1 : 0) - (prev === 'alive' ? 1 : 0);
    this.#full += (peer.alive === this.n ? 1 : 0) - (before === this.n ? 1 : 0);
    if (this.#full === this.n && this.convergedAt === undefined) this.convergedAt = at;
    this.onMember?.(index, e, at);
  }

  swimTotal(key: SwimCounter): number {
    let sum = 0;
    for (const p of this.peers) sum += p.node.core.swim.stats()[key];
    return sum;
  }

  /** Closes every node (no leave), bounded in time; safe to call twice. */
  async close(): Promise<boolean> {
    this.onMember = undefined;
    const all = Promise.all(this.peers.map((p) => p.node.close())).then(() => true);
    return Promise.race([all, sleep(closeDeadlineMs, false, { ref: false })]);
  }
}

/** Polls `pred` until it holds or `deadlineMs` passes; true if it held. */
export async function waitUntil(pred: () => boolean, deadlineMs: number, pollMs: number): Promise<boolean> {
  const end = performance.now() + deadlineMs;
  for (;;) {
    if (pred()) return true;
    if (performance.now() >= end) return false;
    await sleep(pollMs);
  }
}

/** Every broadcast queue empty: the join's news has been sent its retransmit limit. */
export function drained(c: Cluster): boolean {
  return c.peers.every((p) => p.node.core.swim.queueStats().pending === 0);
}
