#!/usr/bin/env node
import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { pino } from 'pino';
import { ConfigError } from '@trellis/runtime';
import { parseAgentConfig } from '../agent-config.js';
import { startAgent } from '../agent.js';
import { NetlinkExecutor } from '../executor/netlink-executor.js';

/**
 * trellis-agent --config FILE: the per-host daemon. Exit codes: 0 after a graceful stop,
 * 2 for a bad config (every problem listed), 3 for a missing permission, 1 otherwise.
 */
const program = new Command()
  .name('trellis-agent')
  .description('Gossip overlay routes and program them into the kernel (VXLAN, neighbors, FDB, routes).')
  .requiredOption('-c, --config <file>', 'JSON config file')
  .option('--check', 'validate the config and exit')
  .parse();

const opts = program.opts<{ config: string; check?: boolean }>();

async function main(): Promise<number> {
  let config;
  try {
    config = parseAgentConfig(JSON.parse(await readFile(opts.config, 'utf8')));
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`trellis-agent: ${opts.config}: ${error.message}\n`);
      return 2;
    }
    process.stderr.write(`trellis-agent: cannot read ${opts.config}: ${(error as Error).message}\n`);
    return 2;
  }
  if (opts.check === true) {
    process.stdout.write(`${opts.config}: ok\n`);
    return 0;
  }
  const log = pino({ level: config.logLevel, base: { node: config.nodeId } });
  let executor: NetlinkExecutor;
  try {
    executor = await NetlinkExecutor.open({ logger: log });
  } catch (error) {
    const e = error as { code?: string; message: string };
    log.fatal({ err: error }, e.message);
    return e.code === 'ERR_TRELLIS_NET_ADMIN' ? 3 : 1;
  }
  if (!(await executor.ipForwarding())) {
    if (config.enableIpForwarding) {
      await executor.enableIpForwarding();
      log.info('net.ipv4.ip_forward was off: turned on (enableIpForwarding)');
    } else {
      log.warn(
        'net.ipv4.ip_forward is off: containers will not reach other hosts; set "enableIpForwarding": true or sysctl -w net.ipv4.ip_forward=1',
      );
    }
  }
  let agent;
  try {
    agent = await startAgent(config, { logger: log, executor });
  } catch (error) {
    // A port in use, an unknown underlay interface: say what, not a stack trace.
    log.fatal({ err: error }, `cannot start: ${(error as Error).message}`);
    executor.close();
    return 1;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      log.info({ signal }, 'stopping: leaving the cluster and withdrawing our routes');
      resolve();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  await agent.stop();
  executor.close();
  log.info('stopped');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`trellis-agent: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
