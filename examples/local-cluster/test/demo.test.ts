import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const main = fileURLToPath(new URL('../src/main.js', import.meta.url));

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function runDemo(args: readonly string[], timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [main, ...args],
      { timeout: timeoutMs, killSignal: 'SIGKILL' },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : null;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

test('the demo converges, detects the killed node, sees it rejoin, and every node answers DNS (4 processes)', async (t) => {
  t.timeout(90_000);
  const run = await runDemo(['--nodes', '4'], 80_000);
  t.is(run.code, 0, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  t.regex(run.stdout, /^identity: on: a CA made for this run certified each node's Ed25519 key/m);
  t.regex(run.stdout, /converged in \d+ ms: all 4 nodes see 4 alive/);
  t.regex(
    run.stdout,
    /detection: first suspicion (\d+ ms|none), first death \d+ ms, all 3 nodes marked node-3 dead in \d+ ms/,
  );
  t.regex(run.stdout, /rejoined in \d+ ms: all 4 nodes see node-3 alive/);
  t.regex(run.stdout, /dns: all 4 nodes answered with all 4 tasks/);
  t.regex(run.stdout, /node-0 +port \d+ +9\.0\.0\.2,9\.0\.1\.2,9\.0\.2\.2,9\.0\.3\.2/);
  t.regex(run.stdout, /web\.demo\.agentip\.dcos\.thisdcos\.directory -> 127\.0\.0\.1/);
  t.regex(run.stdout, /nothing\.demo\.autoip\.dcos\.thisdcos\.directory -> ENOTFOUND/);
  t.regex(run.stdout, /summary/);
  t.false(run.stdout.includes('\u001b['), 'no ANSI codes');
});

test('--nodes outside 3..64, or --identity other than on or none, is refused with exit code 2', async (t) => {
  const run = await runDemo(['--nodes', '2'], 10_000);
  t.is(run.code, 2);
  t.regex(run.stderr, /--nodes must be an integer in 3\.\.64/);
  const identity = await runDemo(['--identity', 'off'], 10_000);
  t.is(identity.code, 2);
  t.regex(identity.stderr, /--identity must be on or none/);
});
