#!/usr/bin/env node
/**
 * `npm run demo`: a trellis gossip cluster of separate processes on 127.0.0.1. Shows the member
 * tables converging, a SIGKILLed node detected by every other node, its rejoin, and DNS names
 * for every node's task answered by every node.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Cluster } from './cluster.js';
import { runDemo, type DemoResult } from './demo.js';
import { DemoIdentities } from './demo-identity.js';

const usage = `usage: npm run demo -- [--nodes N] [--keep] [--identity none]

  --nodes N        number of node processes, 3..64 (default 8)
  --keep           after the demo, keep the cluster running and print membership changes until Ctrl-C
  --identity none  run without node identity (default: on, with a CA and keys made for this run)`;

/** Each phase (start, converge, detect, rejoin) must finish within this, or the demo fails. */
const phaseTimeoutMs = 45_000;

interface CliOptions {
  readonly nodes: number;
  readonly keep: boolean;
  readonly identity: boolean;
}

function parseCli(argv: string[]): CliOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      nodes: { type: 'string', default: '8' },
      keep: { type: 'boolean', default: false },
      identity: { type: 'string', default: 'on' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(usage);
    process.exit(0);
  }
  const nodes = Number(values.nodes);
  if (!Number.isInteger(nodes) || nodes < 3 || nodes > 64)
    throw new RangeError(`--nodes must be an integer in 3..64, got ${JSON.stringify(values.nodes)}`);
  if (values.identity !== 'on' && values.identity !== 'none')
    throw new RangeError(`--identity must be on or none, got ${JSON.stringify(values.identity)}`);
  return { nodes, keep: values.keep, identity: values.identity === 'on' };
}

function printSummary(r: DemoResult, victim: string): void {
  const row = (label: string, value: number | undefined): string =>
    `  ${label.padEnd(38)} ${value === undefined ? 'n/a' : `${Math.round(value)} ms`}`;
  console.log('');
  console.log('summary');
  console.log(row('all processes started', r.startMs));
  console.log(row('converge (all see all alive)', r.convergeMs));
  console.log(row(`detection: first suspicion of ${victim}`, r.firstSuspectMs));
  console.log(row('detection: first marked dead', r.firstDeadMs));
  console.log(row('detection: all marked dead', r.allDeadMs));
  console.log(row('rejoin (all see it alive again)', r.rejoinMs));
  console.log(row('dns (every node answers every task)', r.dnsMs));
}

async function main(): Promise<void> {
  let cli: CliOptions;
  try {
    cli = parseCli(process.argv.slice(2));
  } catch (err) {
    console.error(`${err instanceof Error ? err.message : String(err)}\n\n${usage}`);
    process.exit(2);
  }
  const identities = cli.identity ? new DemoIdentities() : undefined;
  const cluster = new Cluster({
    workerPath: fileURLToPath(new URL('./worker.js', import.meta.url)),
    snapshotIntervalMs: 250,
    ...(identities === undefined ? {} : { identityOf: (id: string) => identities.forNode(id) }),
  });
  const state = { stopping: false, keeping: false };
  // Whatever ends the parent, no worker outlives it (workers also exit when the IPC closes).
  process.on('exit', () => {
    cluster.killAll();
    identities?.dispose();
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      state.stopping = true;
      console.log(`\n${signal}: stopping all nodes`);
      cluster.killAll();
      // After the demo, Ctrl-C is how --keep ends normally.
      process.exit(state.keeping ? 0 : signal === 'SIGINT' ? 130 : 143);
    });
  }
  console.log(
    `trellis local cluster: ${cli.nodes} nodes, one process each, on 127.0.0.1, plaintext (keyring: null)\n` +
      `profile "local": loopback timers (200 ms probe timeout, short suspicion) for a fast demo; ` +
      `use "lan" on a real network`,
  );
  console.log(
    identities === undefined
      ? 'identity: none (--identity none): records unsigned, any sender counts\n'
      : "identity: on: a CA made for this run certified each node's Ed25519 key; nodes sign what they write\n",
  );
  try {
    const result = await runDemo(cluster, { nodes: cli.nodes, phaseTimeoutMs, out: (l) => console.log(l) });
    printSummary(result, `node-${cli.nodes - 1}`);
  } catch (err) {
    if (state.stopping) return;
    console.error(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}`);
    cluster.killAll();
    process.exit(1);
  }
  if (!cli.keep) {
    cluster.killAll();
    process.exit(0);
  }
  state.keeping = true;
  console.log('\n--keep: the cluster keeps running; membership changes follow. Ctrl-C to stop.');
  cluster.onChange = (c) => {
    const time = new Date().toISOString().slice(11, 23);
    console.log(
      `${time}  ${c.observer} sees ${c.member}: ${c.from ?? 'unknown'} -> ${c.to} (incarnation ${c.incarnation})`,
    );
  };
}

await main();
