import test from 'ava';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runBin } from './fixtures/run-bin.js';

/**
 * `--check` on the places the API is given: whoever controls the socket's directory (or one above
 * it) can swap in a socket of their own, and the runtime's hooks and `status` would talk to it;
 * whoever owns the token file can read it. Each such config must fail the check (exit 2), not
 * the start, or not at all.
 */
const dir = mkdtempSync(join(tmpdir(), 'trellis-places-'));
chmodSync(dir, 0o755);
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const nobody = 65534;
const rootTest = process.getuid?.() === 0 ? test : test.skip;
let n = 0;
const fresh = (mode = 0o755, uid = 0): string => {
  const d = join(dir, `d${n++}`);
  mkdirSync(d);
  chmodSync(d, mode);
  if (uid !== 0) chownSync(d, uid, uid);
  return d;
};
const check = async (http: object) => {
  const file = join(dir, `c${n++}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      nodeId: 'places',
      plaintext: true,
      identity: 'none',
      underlay: { ip: '127.0.0.1' },
      overlays: [{ name: 'dcos', subnet: '9.0.0.0/8' }],
      http,
    }),
  );
  const r = await runBin(['--check', '--config', file], {}, 30_000);
  return { code: r.code, output: `${r.stdout}${r.stderr}` };
};

test('a socket path that is a symlink, or a file, fails the check (the start refused it only later)', async (t) => {
  const link = join(fresh(), 'agent.sock');
  symlinkSync('/etc/passwd', link);
  const file = join(fresh(), 'agent.sock');
  writeFileSync(file, '');
  for (const socket of [link, file]) {
    const r = await check({ socket });
    t.is(r.code, 2, r.output);
    t.regex(r.output, /http\.socket: .*agent\.sock exists and is not a socket/);
  }
  const r = await check({ socket: join(file, 'agent.sock') });
  t.is(r.code, 2, r.output);
  t.regex(r.output, /http\.socket: .*agent\.sock is not a directory/);
});

test('a socket directory every user may write to fails the check; a sticky one like /tmp does not', async (t) => {
  const open = await check({ socket: join(fresh(0o777), 'agent.sock') });
  t.is(open.code, 2, open.output);
  t.regex(open.output, /http\.socket: .* is writable by every user, who could replace the socket/);
  const above = await check({ socket: join(fresh(0o777), 'sub', 'dir', 'agent.sock') });
  t.is(above.code, 2, above.output);
  t.regex(above.output, /is writable by every user/);
  const sticky = await check({ socket: join(fresh(0o1777), 'agent.sock') });
  t.is(sticky.code, 0, sticky.output);
});

rootTest('a socket directory, or one above it, that another user owns fails the check', async (t) => {
  for (const socket of [
    join(fresh(0o755, nobody), 'agent.sock'),
    join(fresh(0o755, nobody), 'sub', 'agent.sock'),
  ]) {
    const r = await check({ socket });
    t.is(r.code, 2, r.output);
    t.regex(r.output, /http\.socket: .* belongs to uid 65534, who could replace the socket/);
  }
  // Through a symlink, the directory it leads to is judged.
  const link = join(fresh(), 'link');
  symlinkSync(fresh(0o755, nobody), link);
  const r = await check({ socket: join(link, 'agent.sock') });
  t.is(r.code, 2, r.output);
  t.regex(r.output, /belongs to uid 65534/);
});

rootTest('a token file another user owns fails the check, whatever its mode', async (t) => {
  const d = fresh();
  const token = join(d, 'token');
  writeFileSync(token, 'a-token-of-enough-length\n', { mode: 0o600 });
  chownSync(token, nobody, nobody);
  const r = await check({ socket: join(d, 'agent.sock'), listen: '127.0.0.1:8124', tokenFile: token });
  t.is(r.code, 2, r.output);
  t.regex(r.output, /http\.tokenFile: .*token belongs to uid 65534, who can read it/);
  chownSync(token, 0, 0);
  const ok = await check({ socket: join(d, 'agent.sock'), listen: '127.0.0.1:8124', tokenFile: token });
  t.is(ok.code, 0, ok.output);
});
