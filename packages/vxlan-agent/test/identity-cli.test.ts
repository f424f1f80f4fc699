import test from 'ava';
import {
  chmodSync,
  cpSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Keyring } from '@trellis/node';
import { runBin } from './fixtures/run-bin.js';

/**
 * The identity and keyring tools through the real bin: `ca init`, `cert issue`, `keygen`, then
 * `--check` of configs that use what they wrote. Every file they write is mode 0600.
 */
const dir = mkdtempSync(join(tmpdir(), 'trellis-id-cli-'));
test.after.always(() => rmSync(dir, { recursive: true, force: true }));

const mode = (f: string) => statSync(f).mode & 0o777;
const noStack = /^\s+at /m;

function agentConfig(name: string, nodeId: string, identity: object): string {
  const f = join(dir, `${name}.json`);
  writeFileSync(
    f,
    JSON.stringify({
      nodeId,
      bind: '127.0.0.1:7946',
      plaintext: true,
      identity,
      underlay: { ip: '127.0.0.1' },
      overlays: [{ name: 'dcos', subnet: '9.0.0.0/8' }],
      http: { socket: join(dir, `${name}.sock`) },
    }),
  );
  return f;
}

test.serial(
  'ca init writes ca.key and ca.pub with mode 0600, and never overwrites without --force',
  async (t) => {
    const ca = join(dir, 'ca');
    const first = await runBin(['ca', 'init', '--dir', ca]);
    t.is(first.code, 0, first.stderr);
    t.is(mode(join(ca, 'ca.key')), 0o600);
    t.is(mode(join(ca, 'ca.pub')), 0o600);
    t.is(mode(ca), 0o700);
    t.regex(readFileSync(join(ca, 'ca.key'), 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
    t.regex(readFileSync(join(ca, 'ca.pub'), 'utf8'), /^[A-Za-z0-9+/]{43}=\n$/);
    const key = readFileSync(join(ca, 'ca.key'), 'utf8');
    const again = await runBin(['ca', 'init', '--dir', ca]);
    t.is(again.code, 2);
    t.regex(again.stderr, /ca\.key: exists: not overwritten \(add --force to replace it\)/);
    t.notRegex(again.stderr, noStack);
    t.is(readFileSync(join(ca, 'ca.key'), 'utf8'), key, 'the CA key is untouched');
    t.deepEqual(readdirSync(ca).sort(), ['ca.key', 'ca.pub'], 'no temporary file left behind');
    const forced = await runBin(['ca', 'init', '--dir', join(dir, 'ca-forced')]);
    t.is(forced.code, 0);
    const replaced = await runBin(['ca', 'init', '--dir', join(dir, 'ca-forced'), '--force']);
    t.is(replaced.code, 0, replaced.stderr);
    t.is(mode(join(dir, 'ca-forced', 'ca.key')), 0o600);
  },
);

test.serial(
  'cert issue → --check passes for two agents; another id, or a CA key others can read, is refused',
  async (t) => {
    const ca = join(dir, 'ca');
    for (const id of ['agent-a', 'agent-b']) {
      const r = await runBin([
        'cert',
        'issue',
        '--ca',
        ca,
        '--id',
        id,
        '--out',
        join(dir, id),
        '--days',
        '30',
      ]);
      t.is(r.code, 0, r.stderr);
      t.regex(r.stdout, new RegExp(`${id} until \\d{4}-`));
      for (const f of ['node.key', 'node.pub', 'node.cert.json']) t.is(mode(join(dir, id, f)), 0o600, f);
    }
    const identity = (id: string) => ({
      keyFile: join(dir, id, 'node.key'),
      certificateFile: join(dir, id, 'node.cert.json'),
      caFiles: [join(ca, 'ca.pub')],
    });
    for (const id of ['agent-a', 'agent-b']) {
      const check = await runBin(['--check', '--config', agentConfig(id, id, identity(id))]);
      t.is(check.code, 0, check.stderr);
      t.regex(check.stdout, /^identity: certificate valid until \d{4}-.* \(29 days\); renew it now/m);
    }
    // agent-b's files under agent-a's name: --check names the problem, exit 2.
    const stolen = await runBin([
      '--check',
      '--config',
      agentConfig('stolen', 'agent-a', identity('agent-b')),
    ]);
    t.is(stolen.code, 2);
    t.regex(
      stolen.stderr,
      /identity\.certificateFile: .* is for "agent-b", not for this node \(nodeId "agent-a"\)/,
    );
    t.notRegex(stolen.stderr, noStack);
    const openCa = join(dir, 'ca-open');
    cpSync(ca, openCa, { recursive: true });
    chmodSync(join(openCa, 'ca.key'), 0o644);
    const refused = await runBin(['cert', 'issue', '--ca', openCa, '--id', 'c', '--out', join(dir, 'c')]);
    t.is(refused.code, 2);
    t.regex(refused.stderr, /--ca: .*ca\.key has mode 0644: a private key must not be readable/);
    const exists = await runBin([
      'cert',
      'issue',
      '--ca',
      ca,
      '--id',
      'agent-a',
      '--out',
      join(dir, 'agent-a'),
    ]);
    t.is(exists.code, 2);
    t.regex(exists.stderr, /node\.key: exists: not overwritten/);
    const bad = await runBin(['cert', 'issue', '--id', 'x\u0001', '--days', '0', '--out', join(dir, 'x')]);
    t.is(bad.code, 2);
    for (const what of ['--id', '--ca', '--days']) t.true(bad.stderr.includes(`- ${what}:`), bad.stderr);
  },
);

test.serial(
  'a certificate is renewed from the public key alone; the node key stays where it is',
  async (t) => {
    const ca = join(dir, 'ca');
    const out = join(dir, 'agent-a-renewed');
    const r = await runBin([
      'cert',
      'issue',
      '--ca',
      ca,
      '--id',
      'agent-a',
      '--out',
      out,
      '--public-key',
      join(dir, 'agent-a', 'node.pub'),
    ]);
    t.is(r.code, 0, r.stderr);
    t.deepEqual(readdirSync(out), ['node.cert.json']);
    const renewed = JSON.parse(readFileSync(join(out, 'node.cert.json'), 'utf8')) as { notAfter: string };
    const before = JSON.parse(readFileSync(join(dir, 'agent-a', 'node.cert.json'), 'utf8')) as {
      notAfter: string;
    };
    t.true(Date.parse(renewed.notAfter) > Date.parse(before.notAfter), '365 days is later than 30');
    const check = await runBin([
      '--check',
      '--config',
      agentConfig('renewed', 'agent-a', {
        keyFile: join(dir, 'agent-a', 'node.key'),
        certificateFile: join(out, 'node.cert.json'),
        caFiles: [join(ca, 'ca.pub')],
      }),
    ]);
    t.is(check.code, 0, check.stderr);
    t.regex(check.stdout, /^identity: certificate valid until \d{4}-.* \(364 days\)$/m);
  },
);

test.serial(
  'cert issue --self prints the allowlist entry; an allowlist config with it passes --check',
  async (t) => {
    const out = join(dir, 'solo');
    const r = await runBin(['cert', 'issue', '--self', '--id', 'solo', '--out', out]);
    t.is(r.code, 0, r.stderr);
    const entry = /allowlist entry .*: ("solo": "[A-Za-z0-9+/=]+")$/m.exec(r.stdout)?.[1];
    t.truthy(entry, r.stdout);
    const allowFile = join(dir, 'allow.json');
    writeFileSync(allowFile, `{ ${entry!} }`);
    const identity = {
      keyFile: join(out, 'node.key'),
      certificateFile: join(out, 'node.cert.json'),
      allowFile,
    };
    const check = await runBin(['--check', '--config', agentConfig('solo', 'solo', identity)]);
    t.is(check.code, 0, check.stderr);
  },
);

test.serial(
  'keygen writes a 0600 keyring; --add, --promote, --retire are the rotation, each file a valid keyring',
  async (t) => {
    const file = join(dir, 'keyring.json');
    const keysOf = () => (JSON.parse(readFileSync(file, 'utf8')) as { keys: string[] }).keys;
    const created = await runBin(['keygen', '--out', file]);
    t.is(created.code, 0, created.stderr);
    t.is(mode(file), 0o600);
    const [old] = keysOf();
    t.notThrows(() => new Keyring(old!));
    const again = await runBin(['keygen', '--out', file]);
    t.is(again.code, 2);
    t.deepEqual(keysOf(), [old]);
    t.is((await runBin(['keygen', '--add', file])).code, 0);
    const added = keysOf();
    t.is(added.length, 2);
    t.is(added[0], old, 'step 1: the old key still sends; the new one is only accepted');
    t.is(mode(file), 0o600);
    t.is((await runBin(['keygen', '--promote', file])).code, 0);
    t.deepEqual(keysOf(), [added[1], old], 'step 2: the new key sends, the old is still accepted');
    t.is((await runBin(['keygen', '--retire', file])).code, 0);
    t.deepEqual(keysOf(), [added[1]], 'step 3: the old key is gone');
    t.is(mode(file), 0o600);
    const printed = await runBin(['keygen']);
    t.is(printed.code, 0);
    t.notThrows(() => new Keyring((JSON.parse(printed.stdout) as { keys: string[] }).keys[0]!));
    writeFileSync(join(dir, 'broken.json'), '{"keys": ["short"]}');
    const broken = await runBin(['keygen', '--add', join(dir, 'broken.json')]);
    t.is(broken.code, 2);
    t.regex(broken.stderr, /--add: .*keys\[0\]: a key/);
    t.notRegex(broken.stderr, noStack);
  },
);
