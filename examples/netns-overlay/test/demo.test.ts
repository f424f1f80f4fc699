import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import test from 'ava';

const main = fileURLToPath(new URL('../src/main.js', import.meta.url));

/**
 * `npm run demo:netns` as a user runs it (as root, like CI): three namespaced hosts with a CA,
 * certificates and a keyring made by the agent's own tools, kernels programmed, TCP between
 * containers across VXLAN, a killed host dropped. The demo removes its namespaces itself.
 */
test('the netns demo builds a signed, encrypted three-host overlay, carries TCP and drops a killed host', async (t) => {
  t.timeout(150_000);
  t.is(process.getuid?.(), 0, 'the demo needs root (network namespaces); CI runs as root');
  const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, [main], { timeout: 140_000, killSignal: 'SIGINT' }, (err, stdout, stderr) => {
      resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : null, stdout, stderr });
    });
  });
  t.is(run.code, 0, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`);
  t.regex(run.stdout, /a cluster CA, a certificate per host and a shared keyring/);
  t.regex(run.stdout, /every host holds the entries for the two others after \d+ ms/);
  for (const pair of ['c1 -> c2', 'c2 -> c3', 'c3 -> c1'])
    t.regex(run.stdout, new RegExp(`${pair} \\(.*\\): ok`));
  t.regex(run.stdout, /h3's neighbor, FDB entry and route are gone from h1 and h2 after \d+ ms/);
  t.regex(run.stdout, /c1 -> c2 still: ok/);
  t.regex(run.stdout, /^done: /m);
});
