import test from 'ava';
import { transportContract, type TransportHarness } from '@trellis/sim/contract';
import type { UdpTransport } from '../src/transport/udp-transport.js';
import { closedPort, loopback, settle } from './transport-helpers.js';

/** The shared transport contract, on real sockets on 127.0.0.1 (never any other address). */
transportContract(test, 'udp', async (): Promise<TransportHarness> => {
  const created: UdpTransport[] = [];
  const unreachable = `127.0.0.1:${await closedPort()}`;
  return {
    create: async () => {
      const transport = await loopback({ streamSizeMax: 64 * 1024 });
      created.push(transport);
      return transport;
    },
    settle,
    unreachableAddress: () => unreachable,
    dispose: async () => {
      await Promise.all(created.map((transport) => transport.whenClosed()));
    },
  };
});
