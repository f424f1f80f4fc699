import { Command, CommanderError } from 'commander';
import { describeError, exitCodeOf, exitCodes } from './exit-codes.js';
import { caCommand } from './ca-command.js';
import { certCommand } from './cert-command.js';
import { keygenCommand } from './keygen-command.js';
import { runCommand } from './run-command.js';
import { statusCommand } from './status-command.js';

/** Each command registers itself and hands back the work to run, with its own --help. */
const commands = [runCommand, statusCommand, caCommand, certCommand, keygenCommand];

/** Runs `trellis-agent <command> ...` and resolves with the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  let work: (() => Promise<number>) | undefined;
  const program = new Command()
    .name('trellis-agent')
    .description('Gossip overlay routes and program them into the kernel (VXLAN, neighbors, FDB, routes).')
    .exitOverride()
    .showHelpAfterError('(add --help for usage)');
  for (const register of commands) register(program, (run) => (work = run));
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    // Help and version exit 0; every usage error is a bad command line (2).
    if (error instanceof CommanderError) return error.exitCode === 0 ? exitCodes.ok : exitCodes.config;
    throw error;
  }
  if (work === undefined) return exitCodes.ok;
  try {
    return await work();
  } catch (error) {
    process.stderr.write(`trellis-agent: ${describeError(error)}\n`);
    return exitCodeOf(error);
  }
}
