import test from 'ava';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@trellis/runtime';
import { loadAgentConfig } from '../src/config/load-config.js';

const base = {
  nodeId: 'a',
  plaintext: true,
  identity: 'none',
  underlay: { ip: '127.0.0.1' },
  overlays: [{ name: 'dcos', subnet: '9.0.0.0/8' }],
};
const key = Buffer.alloc(32, 7).toString('base64');

function dir(t: { teardown(f: () => void): void }): string {
  const d = mkdtempSync(join(tmpdir(), 'trellis-load-'));
  t.teardown(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

async function problems(file: string): Promise<Record<string, string>> {
  try {
    await loadAgentConfig(file);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    return Object.fromEntries(error.problems.map((p) => [p.path, p.message]));
  }
  throw new Error('loaded');
}

test('a config with a BOM, a keyring and a token loads; DNS and the underlay resolved', async (t) => {
  const d = dir(t);
  writeFileSync(join(d, 'keys.json'), JSON.stringify({ keys: [key] }));
  writeFileSync(join(d, 'token'), 'a-token-of-enough-length\n', { mode: 0o600 });
  const { plaintext: _p, ...keyed } = base;
  const file = join(d, 'agent.json');
  const config = {
    ...keyed,
    keyringFile: join(d, 'keys.json'),
    http: { tokenFile: join(d, 'token'), socketGroup: 0 },
  };
  writeFileSync(file, `\ufeff${JSON.stringify(config)}`);
  const loaded = await loadAgentConfig(file);
  t.is(loaded.httpToken, 'a-token-of-enough-length');
  t.is(loaded.socketGid, 0);
  t.is(loaded.underlay.interface, 'lo');
  t.deepEqual(
    loaded.keyring?.keys().map((k) => Buffer.from(k).toString('base64')),
    [key],
  );
});

test('the config file: regular, at most 1 MiB, JSON errors by line and column without its content', async (t) => {
  const d = dir(t);
  const fifo = join(d, 'fifo');
  execFileSync('mkfifo', [fifo]);
  t.regex((await problems(fifo))['(file)']!, /is a FIFO, not a regular file/);
  t.regex((await problems('/dev/urandom'))['(file)']!, /is a character device/);
  t.regex((await problems(d))['(file)']!, /is a directory/);
  const big = join(d, 'big.json');
  writeFileSync(big, `{"nodeId": "${'x'.repeat(1024 * 1024)}"}`);
  t.regex((await problems(big))['(file)']!, /over the 1048576-byte limit/);
  const shadow = join(d, 'shadow');
  writeFileSync(shadow, 'root:$6$secretsalt$hashhashhash:19000:0:99999:7:::\n');
  const message = (await problems(shadow))['(file)']!;
  t.regex(message, /is not valid JSON: invalid symbol at line 1, column 1$/);
  t.false(message.includes('secretsalt') || message.includes('root:'), 'the content is not quoted');
  const broken = join(d, 'broken.json');
  writeFileSync(broken, '{\n  "nodeId": "a",\n  "bind" "x"\n}');
  t.regex((await problems(broken))['(file)']!, /colon expected at line 3, column 10/);
  t.regex((await problems(join(d, 'missing.json')))['(file)']!, /does not exist/);
  const binary = join(d, 'binary');
  writeFileSync(binary, Buffer.from([0xff, 0xfe, 0x00, 0x7b]));
  t.regex((await problems(binary))['(file)']!, /is not UTF-8 text/);
});

test('the files the config names are checked, and every problem is listed at once', async (t) => {
  const d = dir(t);
  mkdirSync(join(d, 'keydir'));
  writeFileSync(join(d, 'badkeys.json'), JSON.stringify({ keys: [key, 'short', 5] }));
  writeFileSync(join(d, 'shortkeys.json'), JSON.stringify({ keys: [key, 'c2hvcnQ='] }));
  writeFileSync(join(d, 'open-token'), 'a-token-of-enough-length\n', { mode: 0o644 });
  writeFileSync(join(d, 'short-token'), 'short\n', { mode: 0o600 });
  const write = (name: string, config: object) => {
    writeFileSync(join(d, name), JSON.stringify(config));
    return join(d, name);
  };
  const { plaintext: _p, ...keyed } = base;
  const all = await problems(
    write('all.json', {
      ...keyed,
      keyringFile: join(d, 'keydir'),
      label: 7,
      underlay: { interface: 'nosuch0' },
      http: { tokenFile: join(d, 'open-token'), socketGroup: 'no-such-group-here' },
    }),
  );
  t.regex(all['keyringFile']!, /keydir is a directory/);
  t.regex(
    all['http.tokenFile']!,
    /has mode 0644: the token must not be readable or writable by group or others; chmod 600/,
  );
  t.regex(all['label']!, /must be a string/);
  t.regex(all['underlay']!, /nosuch0 does not exist here/);
  t.regex(all['http.socketGroup']!, /no group "no-such-group-here" in \/etc\/group/);
  const keys = await problems(write('k.json', { ...keyed, keyringFile: join(d, 'badkeys.json') }));
  t.regex(keys['keyringFile']!, /must hold \{ "keys"/);
  const short = await problems(write('s.json', { ...keyed, keyringFile: join(d, 'shortkeys.json') }));
  t.regex(short['keyringFile']!, /keys\[1\]: a key must be 32 bytes \(AES-256\), got 5 bytes/);
  const token = await problems(write('t.json', { ...base, http: { tokenFile: join(d, 'short-token') } }));
  t.regex(token['http.tokenFile']!, /16-4096 printable characters/);
  const missing = await problems(write('m.json', { ...keyed, keyringFile: join(d, 'nope.json') }));
  t.regex(missing['keyringFile']!, /nope\.json does not exist/);
});
