import { Simulation, type SimHost, type SimulationOptions } from '../src/index.js';

/** Received traffic per address, for assertions. */
export type Inbox = Map<string, { from: string; payload: Uint8Array; atMs: number }[]>;

/** A host app that records datagrams and echoes requests. */
export function recordingApp(sim: Simulation, inbox: Inbox): (host: SimHost) => void {
  return (host) => {
    const list = inbox.get(host.localAddress) ?? [];
    inbox.set(host.localAddress, list);
    host.listen({
      onDatagram: (from, payload) => list.push({ from, payload, atMs: sim.now }),
      onRequest: (_from, payload, reply) => reply(payload),
    });
  };
}

/** `n` recording hosts named 10.0.0.1:7946 ... */
export function cluster(
  options: SimulationOptions,
  n: number,
): { sim: Simulation; inbox: Inbox; hosts: SimHost[]; addrs: string[] } {
  const sim = new Simulation(options);
  const inbox: Inbox = new Map();
  const addrs = Array.from({ length: n }, (_, i) => `10.0.0.${i + 1}:7946`);
  const hosts = addrs.map((a) => sim.addHost(a, { onStart: recordingApp(sim, inbox) }));
  return { sim, inbox, hosts, addrs };
}

/** A small gossip workload: every host, every 50 ms, two datagrams and one request to random peers. */
export function gossipRun(options: SimulationOptions, durationMs: number): Simulation {
  const sim = new Simulation(options);
  const addrs = Array.from({ length: 20 }, (_, i) => `10.0.${i >> 8}.${i & 255}:7946`);
  for (const addr of addrs) {
    sim.addHost(addr, {
      onStart: (host) => {
        host.listen({ onDatagram: () => {}, onRequest: (_f, p, reply) => reply(p) });
        const tick = (): void => {
          for (let i = 0; i < 2; i++)
            host.sendDatagram(host.rng.pick(addrs), new Uint8Array(host.rng.int(10, 300)));
          host.request(host.rng.pick(addrs), new Uint8Array(50), 100, () => {});
          host.schedule(host.now() + 50, tick);
        };
        host.schedule(host.now() + host.rng.int(0, 50), tick);
      },
    });
  }
  sim.run(durationMs);
  return sim;
}
