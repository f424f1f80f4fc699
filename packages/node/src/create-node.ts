import { randomInt } from 'node:crypto';
import { Rng, silentLogger } from '@trellis/runtime';
import type { StoreApis } from '@trellis/store';
import { startNode, type GossipNode, type NoStores, type StorePlugins } from './gossip-node.js';
import { checkNodeOptions, type CreateNodeOptions } from './node-options.js';
import { realScheduler } from './real-scheduler.js';
import { createUdpTransport } from './transport/udp-transport.js';
import { WireCodec } from './wire/wire-codec.js';

/**
 * Starts a gossip node on real UDP/TCP sockets, joined through `seeds`. Every option is checked
 * before a socket is bound (a `ConfigError` lists every problem); if the start fails after the
 * bind, the socket is closed again.
 *
 * ```ts
 * const node = await createNode({ id: 'a', bind: '127.0.0.1:7946', keyring: null });
 * node.on('member', (e) => console.log(e.type, e.member.id));
 * ```
 */
export async function createNode<P extends StorePlugins = NoStores>(
  options: CreateNodeOptions<P>,
): Promise<GossipNode<StoreApis<P>>> {
  const { bind, advertise, identity } = checkNodeOptions(options);
  const logger = options.logger ?? silentLogger;
  const codec = new WireCodec({
    keyring: options.keyring ?? undefined,
    label: options.label ?? '',
    ...(options.swim?.packetBudgetBytes === undefined
      ? {}
      : { packetBudgetBytes: options.swim.packetBudgetBytes }),
  });
  const transport = await createUdpTransport({
    bindHost: bind.host,
    bindPort: bind.port,
    advertiseHost: advertise?.host,
    advertisePort: advertise?.port,
    logger,
  });
  try {
    const now = realScheduler.now();
    return startNode<P>({
      id: options.id,
      addr: transport.localAddress,
      ...(options.meta === undefined ? {} : { meta: options.meta }),
      incarnation: options.incarnation ?? now,
      now,
      rng: Rng.fromSeed(options.seed ?? randomInt(0, 2 ** 32 - 1)),
      ...(options.profile === undefined ? {} : { profile: options.profile }),
      ...(options.swim === undefined ? {} : { config: options.swim }),
      ...(options.membership === undefined ? {} : { membership: options.membership }),
      ...(options.messages === undefined ? {} : { messages: options.messages }),
      ...(options.stores === undefined ? {} : { stores: options.stores }),
      ...(identity === undefined ? {} : { signing: identity }),
      logger,
      envelopeReserveBytes: codec.overheadBytes,
      transport,
      scheduler: realScheduler,
      codec,
      seeds: options.seeds ?? [],
      onClose: () => transport.whenClosed(),
    });
  } catch (error) {
    // A store that failed to register, say: nothing may stay bound behind a thrown error.
    transport.close();
    await transport.whenClosed();
    throw error;
  }
}

export type { CreateNodeOptions };
