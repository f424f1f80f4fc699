/**
 * CNI attach and detach latency: the trellis chain against the standard `bridge` + `host-local`
 * chain, interleaved in one run on one host (cni-chains.ts). Two phases:
 *
 * - sequential: `--count` containers per chain, alternating chains container by container; each
 *   gets ADD then DEL, each call timed from the plugin's spawn to its exit (what a runtime waits);
 * - parallel: `--parallel` ADDs at once per chain (then as many DELs), wall time, failures and
 *   distinct addresses.
 *
 * Prints p50 / p99 per chain and the trellis / host-local ratios, and appends every row, tagged
 * with this run's id, to bench/results. Targets (issue 17): ADD p50 <= 80 ms, DEL p50 <= 80 ms,
 * the parallel ADDs with no failure and no duplicate address.
 * Usage (root): node bench/dist/src/cni.js [--quick] [--count=N] [--parallel=N]
 */
import { loadavg } from 'node:os';
import { CniHost, missingTools, resultAddress, type Chain, type Impl } from './cni-chains.js';
import { appendResult } from './results.js';

interface Options {
  readonly count: number;
  readonly parallel: number;
}

function options(argv: readonly string[]): Options {
  const quick = argv.includes('--quick');
  const num = (name: string, fallback: number): number => {
    const arg = argv.find((a) => a.startsWith(`--${name}=`));
    const v = arg === undefined ? fallback : Number(arg.slice(name.length + 3));
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer, got ${arg}`);
    return v;
  };
  return { count: num('count', quick ? 10 : 40), parallel: num('parallel', quick ? 20 : 100) };
}

const run = new Date().toISOString();

function quantile(xs: readonly number[], p: number): number {
  const v = [...xs].sort((a, b) => a - b);
  return v[Math.min(v.length - 1, Math.floor((p / 100) * v.length))] ?? NaN;
}

const fmt = (ms: number) => ms.toFixed(1).padStart(7);

async function sequential(host: CniHost, chains: readonly Chain[], count: number) {
  const ms: Record<Impl, { add: number[]; del: number[] }> = {
    trellis: { add: [], del: [] },
    'host-local': { add: [], del: [] },
  };
  for (let i = 0; i < count; i++) {
    // Alternate which chain goes first, so neither always runs on a warmer cache.
    for (const chain of i % 2 === 0 ? chains : [...chains].reverse()) {
      const c = host.container();
      const add = await host.call(chain, 'ADD', c);
      if (add.code !== 0) throw new Error(`${chain.impl} ADD failed: ${add.stdout}`);
      const del = await host.call(chain, 'DEL', c);
      if (del.code !== 0) throw new Error(`${chain.impl} DEL failed: ${del.stdout}`);
      ms[chain.impl].add.push(add.ms);
      ms[chain.impl].del.push(del.ms);
    }
  }
  for (const chain of chains)
    for (const op of ['add', 'del'] as const) {
      const xs = ms[chain.impl][op];
      appendResult({
        impl: chain.impl,
        scenario: `cni-${op}`,
        run,
        n: xs.length,
        p50: round(quantile(xs, 50)),
        p99: round(quantile(xs, 99)),
        ms: xs.map(round),
        load: loadavg()[0],
      });
    }
  return ms;
}

async function parallel(host: CniHost, chain: Chain, n: number) {
  const containers = Array.from({ length: n }, () => host.container());
  const started = Date.now();
  const adds = await Promise.all(containers.map((c) => host.call(chain, 'ADD', c)));
  const addWall = Date.now() - started;
  const addresses = adds.map((r) => resultAddress(r.stdout)).filter((a) => a !== undefined);
  const failures = adds.filter((r) => r.code !== 0).length;
  const delStarted = Date.now();
  const dels = await Promise.all(containers.map((c) => host.call(chain, 'DEL', c)));
  const row = {
    impl: chain.impl,
    scenario: 'cni-parallel',
    run,
    n,
    failures,
    distinct: new Set(addresses).size,
    addWallMs: addWall,
    addP50: round(
      quantile(
        adds.map((r) => r.ms),
        50,
      ),
    ),
    addP99: round(
      quantile(
        adds.map((r) => r.ms),
        99,
      ),
    ),
    delWallMs: Date.now() - delStarted,
    delFailures: dels.filter((r) => r.code !== 0).length,
    load: loadavg()[0],
  };
  appendResult(row);
  return row;
}

function round(x: number): number {
  return Math.round(x * 100) / 100;
}

async function main(): Promise<void> {
  const o = options(process.argv.slice(2));
  const missing = missingTools();
  if (missing.length > 0) {
    console.log(`bench:cni needs ${missing.join(', ')}; nothing measured`);
    process.exitCode = 1;
    return;
  }
  const host = new CniHost();
  const stop = () => void host.destroy().then(() => process.exit(130));
  process.once('SIGINT', stop);
  try {
    host.startAgent();
    const chains = await host.chains(60_000);
    if (chains === undefined) throw new Error(`the agent wrote no conflist:\n${host.topo.logs(1)}`);
    console.log(`run ${run}: ${o.count} sequential ADD+DEL per chain, then ${o.parallel} parallel ADDs`);
    const seq = await sequential(host, chains, o.count);
    console.log('chain        ADD p50  ADD p99  DEL p50  DEL p99   (ms, spawn to exit)');
    for (const impl of ['trellis', 'host-local'] as const) {
      const { add, del } = seq[impl];
      const cells = [quantile(add, 50), quantile(add, 99), quantile(del, 50), quantile(del, 99)];
      console.log(`${impl.padEnd(11)} ${cells.map(fmt).join('  ')}`);
    }
    const ratio = (op: 'add' | 'del', p: number) =>
      (quantile(seq.trellis[op], p) / quantile(seq['host-local'][op], p)).toFixed(2);
    console.log(
      `ratio trellis/host-local: ADD p50 ${ratio('add', 50)} p99 ${ratio('add', 99)}, DEL p50 ${ratio('del', 50)} p99 ${ratio('del', 99)}`,
    );
    const t = seq.trellis;
    console.log(
      `targets: ADD p50 ${quantile(t.add, 50).toFixed(1)} ms (<= 80) ${quantile(t.add, 50) <= 80 ? 'met' : 'NOT met'}, ` +
        `DEL p50 ${quantile(t.del, 50).toFixed(1)} ms (<= 80) ${quantile(t.del, 50) <= 80 ? 'met' : 'NOT met'}`,
    );
    for (const chain of chains) {
      const r = await parallel(host, chain, o.parallel);
      console.log(
        `${chain.impl}: ${r.n} parallel ADDs in ${r.addWallMs} ms (p50 ${r.addP50}, p99 ${r.addP99}), ` +
          `${r.failures} failed, ${r.distinct} distinct addresses; DELs in ${r.delWallMs} ms, ${r.delFailures} failed`,
      );
    }
    console.log(
      `load average ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
  } finally {
    process.off('SIGINT', stop);
    await host.destroy();
  }
}

await main();
