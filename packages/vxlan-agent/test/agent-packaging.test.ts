import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { defaultHttpConfig } from '../src/config/http-config.js';
import { defaultConfigFile } from '../src/cli/run-command.js';

const run = promisify(execFile);
const pkgDir = fileURLToPath(new URL('../..', import.meta.url));
const repo = join(pkgDir, '../..');
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  files: string[];
};
const unitFile = join(pkgDir, 'systemd/trellis-agent.service');

test('the bin is a committed, executable file, so a fresh clone links it before anything is built', async (t) => {
  const target = pkg.bin['trellis-agent']!;
  t.false(target.includes('dist/'), `${target} must not be a build output: npm links bins at install`);
  const { stdout } = await run('git', ['ls-files', '--stage', target.replace(/^\.\//, '')], { cwd: pkgDir });
  t.regex(stdout, /^100755 /, 'tracked by git with the executable bit');
  t.true((statSync(join(pkgDir, target)).mode & 0o111) !== 0);
  for (const f of ['bin', 'systemd']) t.true(pkg.files.includes(f), `${f} is published`);
});

test('npx trellis-agent runs the workspace bin from a clone', async (t) => {
  const { stdout } = await run('npx', ['--no-install', 'trellis-agent', '--help'], {
    cwd: repo,
    timeout: 60_000,
  });
  t.regex(stdout, /^Usage: trellis-agent/m);
});

test('the systemd unit runs the commands this bin has, with the default config and socket', async (t) => {
  const unit = readFileSync(unitFile, 'utf8');
  const pre = /^ExecStartPre=\/usr\/bin\/trellis-agent (.+)$/m.exec(unit)?.[1];
  const start = /^ExecStart=\/usr\/bin\/trellis-agent (.+)$/m.exec(unit)?.[1];
  t.is(pre, `run --check --config ${defaultConfigFile}`);
  t.is(start, `run --config ${defaultConfigFile}`);
  t.regex(
    unit,
    new RegExp(`^RuntimeDirectory=${defaultHttpConfig.socket.split('/')[2]}$`, 'm'),
    'systemd makes the socket directory',
  );
  t.regex(unit, /^RestartPreventExitStatus=2 3$/m, 'no restart loop on a bad config or a missing permission');
  // The ExecStartPre arguments, against a real config.
  const dir = mkdtempSync(join(tmpdir(), 'trellis-unit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'agent.json');
  const base = {
    nodeId: 'u',
    plaintext: true,
    identity: 'none',
    underlay: { ip: '127.0.0.1' },
    overlays: [{ name: 'dcos', subnet: '9.0.0.0/8' }],
  };
  writeFileSync(config, JSON.stringify(base));
  const bin = join(pkgDir, pkg.bin['trellis-agent']!);
  const { stdout } = await run(process.execPath, [
    bin,
    ...pre!.replace(defaultConfigFile, config).split(' '),
  ]);
  t.regex(stdout, /: ok$/m);
});

test('systemd-analyze accepts the unit', async (t) => {
  const analyze = await run('systemd-analyze', ['--version']).catch(() => undefined);
  if (analyze === undefined) {
    t.log('systemd-analyze is not installed here: only the static checks ran');
    t.pass();
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'trellis-unit-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const bin = join(pkgDir, pkg.bin['trellis-agent']!);
  const copy = join(dir, 'trellis-agent.service');
  writeFileSync(copy, readFileSync(unitFile, 'utf8').replaceAll('/usr/bin/trellis-agent', bin));
  const r = await run('systemd-analyze', ['verify', copy]).then(
    (x) => ({ ok: true, out: `${x.stdout}${x.stderr}` }),
    (e: unknown) => {
      const x = e as { stdout: string; stderr: string };
      return { ok: false, out: `${x.stdout}${x.stderr}` };
    },
  );
  t.true(r.ok, r.out);
  t.notRegex(r.out, /trellis-agent\.service/, r.out);
});
