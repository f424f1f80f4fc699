import type { Command } from 'commander';
import { ConfigError, ConfigProblems } from '@trellis/runtime';
import { parseJsonText, readSmallFile } from '../config/config-file.js';
import { FileProblems } from '../config/file-problems.js';
import { defaultHttpConfig, parseHttpConfig } from '../config/http-config.js';
import type { AgentStatus } from '../http/api-source.js';
import { getJson } from './api-client.js';
import { exitCodes } from './exit-codes.js';
import { formatStatus } from './status-report.js';

interface StatusOptions {
  readonly socket?: string;
  readonly config?: string;
  readonly json?: boolean;
  readonly timeout: string;
}

/** `trellis-agent status`: asks the running agent over its unix socket. */
export function statusCommand(program: Command, done: (run: () => Promise<number>) => void): void {
  program
    .command('status')
    .description('show the running agent: members, routes, tasks and kernel sync (over its unix socket)')
    .option(
      '-s, --socket <path>',
      `the agent's API socket (default: http.socket of --config, else ${defaultHttpConfig.socket})`,
    )
    .option('-c, --config <file>', 'take the socket path from this agent config')
    .option('--json', 'print the raw status and member list as JSON')
    .option('--timeout <ms>', 'give up after this long', '5000')
    .addHelpText(
      'after',
      `\nExit codes: 0 the agent answered, 1 no agent answered, 2 bad arguments or config, 3 permission denied.`,
    )
    .action((opts: StatusOptions) => done(() => status(opts)));
}

async function status(opts: StatusOptions): Promise<number> {
  const timeoutMs = Number(opts.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 600_000)
    throw new ConfigError('command line', [{ path: '--timeout', message: 'must be 1 to 600000 ms' }]);
  const socket =
    opts.socket ?? (opts.config === undefined ? defaultHttpConfig.socket : await socketOf(opts.config));
  const [st, members] = await Promise.all([
    getJson(socket, '/v1/status', timeoutMs) as Promise<AgentStatus>,
    getJson(socket, '/v1/members', timeoutMs) as Promise<{ id: string; addr: string; status: string }[]>,
  ]);
  process.stdout.write(
    opts.json === true
      ? `${JSON.stringify({ status: st, members }, null, 2)}\n`
      : formatStatus(st, members, Date.now()),
  );
  return exitCodes.ok;
}

/** Only the `http` section: status must work for users who may not read the keyring. */
async function socketOf(file: string): Promise<string> {
  const p = new FileProblems();
  const read = await readSmallFile(file);
  if (!read.ok) p.file('(file)', file, read);
  else {
    const json = parseJsonText(read.text);
    if (!json.ok) p.add('(file)', `${file} ${json.message}`);
    else {
      const raw = (typeof json.value === 'object' && json.value !== null ? json.value : {}) as {
        http?: unknown;
      };
      const problems = new ConfigProblems();
      const http = parseHttpConfig(raw.http, problems);
      for (const q of problems.list) p.add(q.path, q.message);
      if (problems.count === 0) return http.socket;
    }
  }
  p.throwIfAny('trellis-agent config');
  return defaultHttpConfig.socket;
}
