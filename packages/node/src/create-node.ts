import { randomInt } from 'node:crypto';
import { ConfigProblems, Rng, silentLogger, type Address, type Logger } from '@trellis/runtime';
import type { MembershipConfig } from '@trellis/membership';
import type { SwimConfig, SwimProfile } from '@trellis/swim';
import { Overlay, parseOverlays, type OverlayInput, type RoutesConfig } from '@trellis/routes';
import type { TasksConfig } from '@trellis/tasks';
import { startNode, type GossipNode } from './gossip-node.js';
import type { Keyring } from './keyring.js';
import { realScheduler } from './real-scheduler.js';
import { parseAddress } from './transport/address.js';
import { createUdpTransport } from './transport/udp-transport.js';
import { WireCodec } from './wire/wire-codec.js';

export interface CreateNodeOptions {
  /** Unique, stable name of this node (1-128 characters). */
  readonly id: string;
  /** Where to listen, `host:port`; port 0 picks a free one. Default `0.0.0.0:7946`. */
  readonly bind?: Address;
  /** What peers should dial, when it differs from `bind` (NAT, 0.0.0.0). */
  readonly advertise?: Address;
  /** Addresses of existing members to join through; empty or absent starts a new cluster. */
  readonly seeds?: readonly Address[];
  readonly profile?: SwimProfile;
  /** Overrides of the profile's failure-detector settings. */
  readonly swim?: Partial<SwimConfig>;
  readonly membership?: Partial<MembershipConfig>;
  /** Overlay networks this node routes (JSON-style inputs are validated, every problem listed). */
  readonly overlays?: readonly (OverlayInput | Overlay)[];
  /** Route-store settings: settle, grace and reclaim periods, bounds. */
  readonly routes?: Partial<RoutesConfig>;
  /** Task store settings (grace period, limits). */
  readonly tasks?: Partial<TasksConfig>;
  /** AES-256-GCM keyring; without it the node speaks plaintext (say so explicitly: `keyring: null`). */
  readonly keyring: Keyring | null;
  /** Cluster label, bound into every encrypted packet: nodes of other clusters are refused. */
  readonly label?: string;
  readonly meta?: Uint8Array;
  /** Default: the current unix time in ms, which beats any earlier life of this id. */
  readonly incarnation?: number;
  /** Seed of the node's random choices (default: random). */
  readonly seed?: number;
  readonly logger?: Logger;
}

/**
 * Starts a gossip node on real UDP/TCP sockets, joined through `seeds`.
 *
 * ```ts
 * const node = await createNode({ id: 'a', bind: '127.0.0.1:7946', keyring: null });
 * node.on('member', (e) => console.log(e.type, e.member.id));
 * ```
 */
export async function createNode(options: CreateNodeOptions): Promise<GossipNode> {
  const { host, port } = parseBind(options);
  const overlays = toOverlays(options.overlays ?? []);
  const logger = options.logger ?? silentLogger;
  const adv = options.advertise === undefined ? undefined : splitAddress(options.advertise);
  const transport = await createUdpTransport({
    bindHost: host,
    bindPort: port,
    advertiseHost: adv?.host,
    advertisePort: adv?.port,
    logger,
  });
  const codec = new WireCodec({
    keyring: options.keyring ?? undefined,
    label: options.label ?? '',
    ...(options.swim?.packetBudgetBytes === undefined
      ? {}
      : { packetBudgetBytes: options.swim.packetBudgetBytes }),
  });
  const now = realScheduler.now();
  return startNode({
    id: options.id,
    addr: transport.localAddress,
    ...(options.meta === undefined ? {} : { meta: options.meta }),
    incarnation: options.incarnation ?? now,
    now,
    rng: Rng.fromSeed(options.seed ?? randomInt(0, 2 ** 32 - 1)),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
    ...(options.swim === undefined ? {} : { config: options.swim }),
    ...(options.membership === undefined ? {} : { membership: options.membership }),
    overlays,
    ...(options.routes === undefined ? {} : { routes: options.routes }),
    ...(options.tasks === undefined ? {} : { tasks: options.tasks }),
    logger,
    envelopeReserveBytes: codec.overheadBytes,
    transport,
    scheduler: realScheduler,
    codec,
    seeds: options.seeds ?? [],
    onClose: () => transport.whenClosed(),
  });
}

function toOverlays(input: readonly (OverlayInput | Overlay)[]): Overlay[] {
  if (input.every((o) => o instanceof Overlay)) return [...input] as Overlay[];
  // Mixed lists are re-validated together, so overlaps between them are caught too.
  return parseOverlays(input.map((o) => (o instanceof Overlay ? overlayInputOf(o) : o)));
}

function overlayInputOf(o: Overlay): OverlayInput {
  const { name, subnet, prefixLength, vni, port, vtepSubnet, subnet6, prefixLength6 } = o;
  return {
    name,
    subnet,
    prefixLength,
    vni,
    port,
    vtepSubnet,
    ...(subnet6 === undefined ? {} : { subnet6 }),
    ...(prefixLength6 === undefined ? {} : { prefixLength6 }),
  };
}

function parseBind(options: CreateNodeOptions): { host: string; port: number } {
  const p = new ConfigProblems();
  if (typeof options.id !== 'string' || options.id.length === 0) p.add('id', 'must be a non-empty string');
  // JavaScript callers can omit it; plaintext must be a decision, not a default.
  if ((options.keyring as Keyring | null | undefined) === undefined)
    p.add('keyring', 'must be a Keyring, or null to run in plaintext on purpose');
  const bind = splitAddress(options.bind ?? '0.0.0.0:7946');
  if (bind === undefined) p.add('bind', `must be host:port, got ${JSON.stringify(options.bind)}`);
  if (options.advertise !== undefined && splitAddress(options.advertise) === undefined)
    p.add('advertise', `must be host:port, got ${JSON.stringify(options.advertise)}`);
  p.throwIfAny('node options');
  return bind!;
}

/** Like the transport's parseAddress, but port 0 (pick a free port) is allowed for binding. */
function splitAddress(addr: string): { host: string; port: number } | undefined {
  if (typeof addr !== 'string') return undefined;
  if (addr.endsWith(':0')) {
    const hp = parseAddress(`${addr.slice(0, -2)}:1`);
    return hp === undefined ? undefined : { host: hp.host, port: 0 };
  }
  return parseAddress(addr);
}
