import { callAgent } from './agent-call.js';
import { CniFailure, cniCodes } from './cni-failure.js';
import { runPlugin } from './plugin-run.js';

/** A network configuration is a few hundred bytes; a runtime's prevResult a few KiB. */
const stdinBytesMax = 1024 * 1024;

/**
 * The `trellis` CNI IPAM plugin as a process: the environment and stdin in, the result or the
 * error on stdout, exit 0 or 1. It loads nothing but node's own modules and this directory,
 * so a runtime pays for one small node start per call.
 */
export async function main(): Promise<void> {
  const stdin = await readStdin();
  const out =
    stdin === undefined
      ? {
          stdout: new CniFailure(cniCodes.decodeFailure, `stdin is over ${stdinBytesMax} bytes`).output(
            '1.1.0',
          ),
          exitCode: 1,
        }
      : await runPlugin(process.env, stdin, callAgent);
  process.stdout.write(out.stdout, () => process.exit(out.exitCode));
}

async function readStdin(): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > stdinBytesMax) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
