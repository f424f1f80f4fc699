import test from 'ava';
import { execFileSync } from 'node:child_process';
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { localAddresses } from '../src/config/local-addresses.js';
import { cliConfigs } from './fixtures/cli-configs.js';
import { runBin } from './fixtures/run-bin.js';

/**
 * `trellis-agent --check` through the real bin: each hostile or broken config with the exit code
 * and the message it must get. The old form `--check --config FILE` is used on purpose: it is
 * what scripts and the systemd unit run.
 */
const { dir, base, file, config, remove } = cliConfigs();
test.after.always(remove);
/** Names for the fifos and symlink loops the rows make. */
let n = 0;

const key = Buffer.alloc(32, 9).toString('base64');
const { plaintext: _p, ...keyed } = base;

/** Documentation addresses (RFC 5737) this host does not have (some machines use one). */
const foreign = ['198.51.100.77', '203.0.113.77', '192.0.2.177', '198.51.100.78'].filter(
  (a) => !localAddresses().has(a),
);

interface Row {
  readonly name: string;
  readonly path: () => string;
  readonly code: number;
  readonly message: RegExp;
  readonly absent?: RegExp;
}

const rows: Row[] = [
  { name: 'a valid config', path: () => config({}), code: 0, message: /: ok$/m },
  {
    name: 'bind on an address this host does not have',
    path: () => config({ bind: `${foreign[0]}:7946` }),
    code: 2,
    message: new RegExp(`bind: ${foreign[0]!.replaceAll('.', '\\.')} is not an address of this host`),
  },
  {
    name: 'DNS on an address this host does not have',
    path: () => config({ dns: { host: foreign[1] } }),
    code: 2,
    message: new RegExp(`dns\\.host: ${foreign[1]!.replaceAll('.', '\\.')} is not an address of this host`),
  },

  { name: 'a UTF-8 BOM', path: () => file(`\ufeff${JSON.stringify(base)}`), code: 0, message: /: ok$/m },
  {
    name: 'a missing file',
    path: () => join(dir, 'nope.json'),
    code: 2,
    message: /nope\.json does not exist/,
  },
  {
    name: '/dev/urandom',
    path: () => '/dev/urandom',
    code: 2,
    message: /is a character device, not a regular file/,
  },
  {
    name: 'a FIFO (no hang)',
    path: () => {
      const f = join(dir, `fifo${n++}`);
      execFileSync('mkfifo', [f]);
      return f;
    },
    code: 2,
    message: /is a FIFO, not a regular file/,
  },
  { name: 'a directory', path: () => dir, code: 2, message: /is a directory/ },
  {
    name: 'a loop of symbolic links',
    path: () => {
      const [a, b] = [join(dir, `loop${n}a`), join(dir, `loop${n++}b`)];
      symlinkSync(b, a);
      symlinkSync(a, b);
      return a;
    },
    code: 2,
    message: /is a loop of symbolic links/,
  },
  // fstat says 0 bytes; the content is read all the same, judged, and not quoted.
  {
    name: 'a /proc file',
    path: () => '/proc/self/environ',
    code: 2,
    message: /line 1, column 1/,
    absent: /PATH=/,
  },
  {
    name: 'over 1 MiB',
    path: () => file(' '.repeat(1024 * 1024 + 1)),
    code: 2,
    message: /over the 1048576-byte limit/,
  },
  {
    name: 'a shadow file given by mistake',
    path: () => file('root:$6$secretsalt$hashhash:19000:0:99999:7:::\n'),
    code: 2,
    message: /is not valid JSON: invalid symbol at line 1, column 1/,
    absent: /secretsalt|root:/,
  },
  {
    // The error is located by a parser that recurses: it must not run out of stack.
    name: '1 MiB of unclosed brackets',
    path: () => file('['.repeat(1024 * 1024)),
    code: 2,
    message: /is not valid JSON: nested deeper than 256 levels at line 1, column 257/,
  },
  {
    name: 'a keyring of unclosed brackets',
    path: () => config({ ...keyed, keyringFile: file('{"keys":'.repeat(100_000)) }),
    code: 2,
    message: /keyringFile: .* is not valid JSON: nested deeper than 256 levels at line 1, column 2049/,
  },
  {
    name: 'a JSON error on line 3',
    path: () => file('{\n  "nodeId": "a",\n  "bind": 7946,,\n}'),
    code: 2,
    message: /property name expected at line 3, column 16/,
  },
  {
    name: 'a bad swim section',
    path: () => config({ profile: 'local', swim: { probeTimeoutMs: 9000 } }),
    code: 2,
    message: /swim\.probeTimeoutMs: must be less than probeIntervalMs/,
  },
  {
    name: 'bind port 99999',
    path: () => config({ bind: '127.0.0.1:99999' }),
    code: 2,
    message: /bind: needs a port from 1 to 65535/,
  },
  {
    name: 'a seed with port 0',
    path: () => config({ seeds: ['10.0.0.1:0'] }),
    code: 2,
    message: /seeds\[0\]: needs a port/,
  },
  {
    name: 'http.listen port 70000',
    path: () => config({ http: { ...base.http, listen: '127.0.0.1:70000' } }),
    code: 2,
    message: /http\.listen: needs a port/,
  },
  {
    name: 'a host name in bind',
    path: () => config({ bind: 'agent-17.example:7946' }),
    code: 2,
    message: /bind: "agent-17\.example" is a host name; this setting takes an IP address: write/,
  },
  {
    name: 'a 300-byte label',
    path: () => config({ label: 'x'.repeat(300) }),
    code: 2,
    message: /label: must be at most 255 bytes/,
  },
  {
    name: 'a control character in nodeId',
    path: () => config({ nodeId: 'a\u001bb' }),
    code: 2,
    message: /nodeId: must be 1-128 characters without control characters/,
  },
  {
    name: 'a vtep entry of the wrong shape',
    path: () => config({ vtep: { dcos: 'x' } }),
    code: 2,
    message: /vtep\.dcos: must be \{/,
  },
  {
    name: 'a missing keyring file',
    path: () => config({ ...keyed, keyringFile: join(dir, 'none.json') }),
    code: 2,
    message: /keyringFile: .*none\.json does not exist/,
  },
  {
    name: 'a keyring that is a directory',
    path: () => config({ ...keyed, keyringFile: dir }),
    code: 2,
    message: /keyringFile: .* is a directory/,
  },
  {
    name: 'a keyring with a bad key',
    path: () => config({ ...keyed, keyringFile: file(JSON.stringify({ keys: [key, 'AAAA'] })) }),
    code: 2,
    message: /keys\[1\]: a key must be 32 bytes/,
  },
  {
    name: 'a keyring that is not JSON',
    path: () => config({ ...keyed, keyringFile: file('secret-key-material') }),
    code: 2,
    message: /keyringFile: .* is not valid JSON: .* at line 1, column 1/,
    absent: /secret-key-material/,
  },
  {
    name: 'a token file others can read',
    path: () =>
      config({
        http: {
          ...base.http,
          listen: '127.0.0.1:8124',
          tokenFile: file('a-token-of-enough-length\n', 0o644),
        },
      }),
    code: 2,
    message:
      /http\.tokenFile: .* has mode 0644: the token must not be readable or writable by group or others; chmod 600/,
  },
  {
    name: 'a TCP listener on every interface',
    path: () => config({ http: { ...base.http, listen: '0.0.0.0:8124' } }),
    code: 2,
    message: /http\.listen: 0\.0\.0\.0:8124 is reachable from other hosts/,
  },
  {
    name: 'a socket for everyone',
    path: () => config({ http: { ...base.http, socketMode: '0666' } }),
    code: 2,
    message: /every local user/,
  },
  {
    name: 'an underlay this host lacks',
    path: () => config({ underlay: { interface: 'nosuch0' } }),
    code: 2,
    message: /underlay: underlay interface nosuch0 does not exist here/,
  },
  {
    name: 'several problems at once',
    path: () => config({ bind: 'x:1', label: 5, vtep: { dcos: 1 }, surprise: true }),
    code: 2,
    message: /^(?=[^]*- bind: )(?=[^]*- label: )(?=[^]*- vtep\.dcos: )(?=[^]*- surprise: )/,
  },
];

for (const row of rows)
  test(`--check: ${row.name} -> exit ${row.code}`, async (t) => {
    const r = await runBin(['--check', '--config', row.path()], {}, 60_000);
    const output = `${r.stdout}${r.stderr}`;
    t.is(r.code, row.code, output);
    t.regex(output, row.message);
    if (row.absent !== undefined) t.notRegex(output, row.absent);
    t.notRegex(output, /\n\s+at /, 'no stack trace');
  });
