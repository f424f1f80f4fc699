/**
 * @trellis/sim/contract — the behaviour every `Transport` must have, as an ava suite. The
 * simulator runs it on virtual time; the UDP/TCP transport in @trellis/node on real sockets.
 *
 *   transportContract(test, 'udp', async () => udpHarness());
 */
import type { TestFn } from 'ava';
import { datagramContract } from './datagram-contract.js';
import type { MakeHarness } from './harness.js';
import { requestContract } from './request-contract.js';

export { type TransportHarness, type MakeHarness } from './harness.js';

/** Registers the contract tests, each titled `${name}: ...`, each with a fresh harness. */
export function transportContract(test: TestFn, name: string, makeHarness: MakeHarness): void {
  datagramContract(test, name, makeHarness);
  requestContract(test, name, makeHarness);
}
