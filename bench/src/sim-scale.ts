/**
 * How far the simulator scales: 5,000 hosts, each sending a burst of gossip-sized datagrams to
 * random peers every 200 virtual ms, on a lossy LAN. Reports wall-clock throughput and peak
 * memory. Usage: node bench/dist/src/sim-scale.js [hosts] [virtualSeconds] [seed]
 */
import { Simulation, latency, type SimHost } from '@trellis/sim';

interface Params {
  readonly hosts: number;
  readonly virtualMs: number;
  readonly seed: number;
  readonly intervalMs: number;
  readonly fanout: number;
  readonly payloadBytes: number;
}

const args = process.argv.slice(2).map(Number);
const params: Params = {
  hosts: args[0] ?? 5_000,
  virtualMs: (args[1] ?? 20) * 1000,
  seed: args[2] ?? 1,
  intervalMs: 200,
  fanout: 3,
  payloadBytes: 300,
};

/** The gossip-like app every host runs: fixed-interval bursts to random peers. */
function gossiper(addresses: readonly string[], p: Params): (host: SimHost) => void {
  return (host) => {
    host.listen({ onDatagram: () => {}, onRequest: (_from, payload, reply) => reply(payload) });
    const payload = new Uint8Array(p.payloadBytes);
    const tick = (): void => {
      for (let i = 0; i < p.fanout; i++) host.sendDatagram(host.rng.pick(addresses), payload);
      host.schedule(host.now() + p.intervalMs, tick);
    };
    // Spread the first ticks so the hosts do not all fire in the same instant.
    host.schedule(host.now() + host.rng.float() * p.intervalMs, tick);
  };
}

interface Peak {
  rssBytes: number;
  heapUsedBytes: number;
}

function sample(peak: Peak): void {
  const m = process.memoryUsage();
  peak.rssBytes = Math.max(peak.rssBytes, m.rss);
  peak.heapUsedBytes = Math.max(peak.heapUsedBytes, m.heapUsed);
}

function main(p: Params): void {
  const peak: Peak = { rssBytes: 0, heapUsedBytes: 0 };
  const wallStart = performance.now();
  const sim = new Simulation({
    seed: p.seed,
    network: { latency: latency.uniform(0.2, 2), lossRate: 0.01 },
    traceMax: 10_000,
  });
  const addresses = Array.from(
    { length: p.hosts },
    (_, i) => `10.${i >> 16}.${(i >> 8) & 255}.${i & 255}:7946`,
  );
  const app = gossiper(addresses, p);
  for (const a of addresses) sim.addHost(a, { onStart: app });
  const setupMs = performance.now() - wallStart;
  sample(peak);

  const runStart = performance.now();
  const sliceMs = 500; // sample memory every half virtual second
  for (let t = 0; t < p.virtualMs; t += sliceMs) {
    sim.run(Math.min(sliceMs, p.virtualMs - t));
    sample(peak);
  }
  const runMs = performance.now() - runStart;
  const s = sim.stats();
  const mb = (b: number) => `${(b / 1024 / 1024).toFixed(0)} MiB`;
  const rows: [string, string][] = [
    ['hosts', p.hosts.toLocaleString('en-US')],
    ['virtual time', `${p.virtualMs / 1000} s`],
    ['setup (wall)', `${setupMs.toFixed(0)} ms`],
    ['run (wall)', `${(runMs / 1000).toFixed(2)} s`],
    ['events processed', s.eventsProcessed.toLocaleString('en-US')],
    ['events / s (wall)', Math.round(s.eventsProcessed / (runMs / 1000)).toLocaleString('en-US')],
    ['datagrams delivered', s.datagramsDelivered.toLocaleString('en-US')],
    [
      'datagrams dropped',
      `${s.datagramsDropped.toLocaleString('en-US')} (${((100 * s.datagramsDropped) / s.datagramsSent).toFixed(2)} %)`,
    ],
    ['virtual / wall', `${(p.virtualMs / runMs).toFixed(2)} x`],
    ['peak rss', mb(peak.rssBytes)],
    ['peak heap used', mb(peak.heapUsedBytes)],
    ['trace hash', sim.trace.hash],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  console.log(
    `sim-scale (seed ${p.seed}, ${p.fanout} x ${p.payloadBytes} B every ${p.intervalMs} ms, 1 % loss, 0.2-2 ms)`,
  );
  for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
}

main(params);
