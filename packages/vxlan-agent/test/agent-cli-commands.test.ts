import test from 'ava';
import { chownSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { cliConfigs } from './fixtures/cli-configs.js';
import { runBin } from './fixtures/run-bin.js';

/** The bin's commands beyond `--check`: start, help and usage errors, status, permissions. */
const { dir, base, file, config, remove } = cliConfigs();
test.after.always(remove);

test('a config that fails the checks fails the start the same way, before touching anything: exit 2', async (t) => {
  const r = await runBin(['--config', config({ profile: 'local', swim: { probeTimeoutMs: 9000 } })]);
  t.is(r.code, 2);
  t.regex(r.stderr, /swim\.probeTimeoutMs/);
  t.notRegex(`${r.stdout}${r.stderr}`, /\n\s+at |"level"/, 'no stack, no pino line: nothing was started');
});

test('every command has --help; unknown options and commands are usage errors (exit 2)', async (t) => {
  for (const argv of [['--help'], ['run', '--help'], ['status', '--help'], ['help', 'status']]) {
    const r = await runBin(argv);
    t.is(r.code, 0, argv.join(' '));
    t.regex(r.stdout, /^Usage: trellis-agent/m, argv.join(' '));
  }
  t.regex((await runBin(['run', '--help'])).stdout, /Exit codes: 0 .* 1 .*\n?.*2 bad config.* 3 permission/s);
  t.regex(
    (await runBin(['status', '--help'])).stdout,
    /Exit codes: 0 the agent answered, 1 no agent answered/,
  );
  const bad = await runBin(['--frobnicate']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /unknown option '--frobnicate'/);
  t.is((await runBin(['status', '--timeout', 'soon', '--socket', join(dir, 'x.sock')])).code, 2);
});

test('status with no agent behind the socket: exit 1, says what to check', async (t) => {
  const r = await runBin(['status', '--socket', join(dir, 'nobody-home.sock')]);
  t.is(r.code, 1);
  t.regex(r.stderr, /cannot reach .*nobody-home\.sock: no trellis-agent is listening there/);
});

const rootTest = process.getuid?.() === 0 ? test : test.skip;

rootTest('as a user who may not read the config: exit 3', async (t) => {
  const secret = file(JSON.stringify(base), 0o600);
  const r = await runBin(['--check', '--config', secret], { uid: 65534, gid: 65534 });
  t.is(r.code, 3, r.stderr);
  t.regex(r.stderr, /cannot be read by uid 65534: permission denied/);
});

rootTest(
  'without CAP_NET_ADMIN, a valid config stops at the netlink check: exit 3 with what to do',
  async (t) => {
    // The agent's own directory: one everybody may write to would fail the check (exit 2).
    const sub = join(dir, 'nobody');
    mkdirSync(sub, { mode: 0o755 });
    chownSync(sub, 65534, 65534);
    const readable = config({ http: { socket: join(sub, 'agent.sock'), listen: '127.0.0.1:8124' } });
    const r = await runBin(['--config', readable], { uid: 65534, gid: 65534 });
    t.is(r.code, 3, r.stderr);
    t.regex(r.stderr, /needs CAP_NET_ADMIN/);
    t.notRegex(r.stderr, /\n\s+at /);
  },
);
