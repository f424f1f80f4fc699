#!/usr/bin/env node
import { runCli } from '../cli/program.js';

/**
 * trellis-agent: the per-host daemon and its operator commands (`trellis-agent --help`).
 * Exit codes: 0 ok, 1 runtime, 2 config or command line, 3 permission.
 */
runCli(process.argv).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`trellis-agent: ${(error as Error).stack ?? String(error)}\n`);
    process.exit(1);
  },
);
