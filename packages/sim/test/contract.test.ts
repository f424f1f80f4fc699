import test from 'ava';
import { transportContract, type TransportHarness } from '../src/contract/index.js';
import { Simulation, seedFromEnv } from '../src/index.js';

const seed = seedFromEnv(7);

/** The simulator's harness: hosts on one virtual network, settle runs virtual time. */
function simulatedHarness(): Promise<TransportHarness> {
  const sim = new Simulation({ seed });
  let n = 0;
  return Promise.resolve({
    create: () => Promise.resolve(sim.addHost(`10.0.0.${++n}:7946`)),
    settle: (ms) => Promise.resolve(sim.run(ms)),
    unreachableAddress: () => '10.9.9.9:7946',
    dispose: () => Promise.resolve(),
  });
}

transportContract(test, 'simulated transport', simulatedHarness);
