import type { Command } from 'commander';
import { pino, type Logger } from 'pino';
import { startAgent } from '../agent.js';
import { loadAgentConfig, type LoadedAgentConfig } from '../config/load-config.js';
import { NetlinkExecutor } from '../executor/netlink-executor.js';
import { nftDriver } from '../egress/nft-egress.js';
import { describeError, exitCodeOf, exitCodes } from './exit-codes.js';

interface RunOptions {
  readonly config: string;
  readonly check?: boolean;
}

export const defaultConfigFile = '/etc/trellis/agent.json';

/** `trellis-agent [run] --config FILE [--check]`: the daemon, the default command. */
export function runCommand(program: Command, done: (run: () => Promise<number>) => void): void {
  program
    .command('run', { isDefault: true })
    .description('run the agent: gossip, program the kernel, serve the API and DNS (the default command)')
    .option('-c, --config <file>', 'JSON config file', defaultConfigFile)
    .option('--check', 'run every check the start runs (config, the files it names, the underlay) and exit')
    .addHelpText(
      'after',
      `
Exit codes: 0 stopped by SIGTERM/SIGINT (or --check passed), 1 runtime failure (a port in use),
2 bad config (every problem listed), 3 permission (a file we may not read, no CAP_NET_ADMIN).`,
    )
    .action((opts: RunOptions) => done(() => run(opts)));
}

async function run(opts: RunOptions): Promise<number> {
  let loaded: LoadedAgentConfig;
  try {
    loaded = await loadAgentConfig(opts.config);
  } catch (error) {
    process.stderr.write(`trellis-agent: ${opts.config}: ${describeError(error)}\n`);
    return exitCodeOf(error);
  }
  if (opts.check === true) {
    process.stdout.write(`${opts.config}: ok\n`);
    if (loaded.identity !== null)
      process.stdout.write(certificateLine(loaded.identity.certificate.n, Date.now()));
    return exitCodes.ok;
  }
  const log = pino({ level: loaded.config.logLevel, base: { node: loaded.config.nodeId } });
  let executor: NetlinkExecutor;
  try {
    executor = await NetlinkExecutor.open({ logger: log });
  } catch (error) {
    return failed(log, 'cannot open netlink', error);
  }
  try {
    // Each family's forwarding matters only if an overlay carries that family.
    if (loaded.config.overlays.some((o) => o.subnet !== undefined))
      await ipForwarding(executor, loaded.config.enableIpForwarding, log);
    if (loaded.config.overlays.some((o) => o.vtepSubnet6 !== undefined))
      await ipv6Forwarding(executor, loaded.config.enableIpForwarding, log);
    const agent = await startAgent(loaded, { logger: log, executor, egress: nftDriver });
    const signal = await new Promise<string>((resolve) => {
      process.once('SIGTERM', () => resolve('SIGTERM'));
      process.once('SIGINT', () => resolve('SIGINT'));
    });
    log.info({ signal }, 'stopping: leaving the cluster and withdrawing our routes');
    await agent.stop();
    log.info('stopped');
    return exitCodes.ok;
  } catch (error) {
    // A port in use, a socket path taken, no permission for port 53: say what, not a stack.
    return failed(log, 'cannot start', error);
  } finally {
    executor.close();
  }
}

/** Under this, --check says to renew: an expired certificate loses the node. */
const renewWithinDays = 30;

function certificateLine(notAfter: number, now: number): string {
  const days = Math.floor((notAfter - now) / 86_400_000);
  const renew =
    days < renewWithinDays ? '; renew it now (trellis-agent cert issue --public-key node.pub)' : '';
  return `identity: certificate valid until ${new Date(notAfter).toISOString()} (${days} days)${renew}\n`;
}

function failed(log: Logger, what: string, error: unknown): number {
  const message = `${what}: ${describeError(error)}`;
  log.fatal({ code: (error as { code?: unknown }).code }, message);
  process.stderr.write(`trellis-agent: ${message}\n`);
  return exitCodeOf(error);
}

async function ipForwarding(executor: NetlinkExecutor, enable: boolean, log: Logger): Promise<void> {
  if (await executor.ipForwarding()) return;
  if (enable) {
    await executor.enableIpForwarding();
    log.info('net.ipv4.ip_forward was off: turned on (enableIpForwarding)');
  } else {
    log.warn(
      'net.ipv4.ip_forward is off: containers will not reach other hosts; set "enableIpForwarding": true or sysctl -w net.ipv4.ip_forward=1',
    );
  }
}

/** As for IPv4, once an overlay with IPv6 is configured: reported, and turned on only if asked. */
async function ipv6Forwarding(executor: NetlinkExecutor, enable: boolean, log: Logger): Promise<void> {
  if (await executor.ipv6Forwarding()) return;
  if (enable) {
    await executor.enableIpv6Forwarding();
    log.info('net.ipv6.conf.all.forwarding was off: turned on (enableIpForwarding)');
  } else {
    log.warn(
      'net.ipv6.conf.all.forwarding is off: containers will not reach other hosts over IPv6; set "enableIpForwarding": true or sysctl -w net.ipv6.conf.all.forwarding=1',
    );
  }
}
