import test from 'ava';
import type { AgentAnswer } from '../src/cni-plugin/agent-call.js';
import { supportedVersions } from '../src/cni-plugin/cni-invocation.js';
import { runPlugin, type CallAgent } from '../src/cni-plugin/plugin-run.js';

const socket = '/run/trellis/agent.sock';
const conf = (cniVersion: string, extra: object = {}) =>
  JSON.stringify({ cniVersion, name: 'dcos', type: 'bridge', ipam: { type: 'trellis', socket }, ...extra });
const env = (command: string, extra: Record<string, string | undefined> = {}) => ({
  CNI_COMMAND: command,
  CNI_CONTAINERID: 'c1',
  CNI_NETNS: '/run/netns/c1',
  CNI_IFNAME: 'eth0',
  CNI_PATH: '/opt/cni/bin',
  ...extra,
});
const held = {
  ipv4: '9.0.3.2',
  prefixLength: 25,
  gateway: '9.0.3.1',
  dns: { nameservers: ['10.0.0.7'], search: ['dcos.thisdcos.directory'] },
};

/** A fake agent: records calls, answers with `answer`. */
function agent(answer: AgentAnswer = { ok: true, status: 201, body: held }) {
  const calls: { method: string; path: string; body: unknown }[] = [];
  const call: CallAgent = (_s, method, path, body) => {
    calls.push({ method, path, body });
    return Promise.resolve(answer);
  };
  return { calls, call };
}

const out = (stdout: string) => JSON.parse(stdout) as Record<string, unknown>;

test('ADD in every supported version: version field until 1.0.0, default route, DNS', async (t) => {
  for (const v of supportedVersions) {
    const a = agent();
    const r = await runPlugin(env('ADD', { CNI_ARGS: 'IgnoreUnknown=1;K8S_POD_NAME=web' }), conf(v), a.call);
    t.is(r.exitCode, 0);
    const ip = v.startsWith('0.') ? { version: '4' } : {};
    t.deepEqual(out(r.stdout), {
      cniVersion: v,
      ips: [{ ...ip, address: '9.0.3.2/25', gateway: '9.0.3.1' }],
      routes: [{ dst: '0.0.0.0/0', gw: '9.0.3.1' }],
      dns: {
        nameservers: ['10.0.0.7'],
        domain: 'dcos.thisdcos.directory',
        search: ['dcos.thisdcos.directory'],
      },
    });
    t.like(a.calls[0], { method: 'POST', path: '/v1/cni/allocations' });
    t.like(a.calls[0]!.body, {
      network: 'dcos',
      containerId: 'c1',
      ifname: 'eth0',
      args: { K8S_POD_NAME: 'web' },
    });
  }
});

test('VERSION lists every supported version; DEL without a netns is fine and prints nothing', async (t) => {
  const v = await runPlugin({ CNI_COMMAND: 'VERSION' }, '{"cniVersion":"1.1.0"}', agent().call);
  t.deepEqual(out(v.stdout), { cniVersion: '1.1.0', supportedVersions: [...supportedVersions] });
  const a = agent({ ok: true, status: 204, body: undefined });
  const del = await runPlugin(env('DEL', { CNI_NETNS: undefined }), conf('0.3.1'), a.call);
  t.deepEqual(del, { stdout: '', exitCode: 0 });
  t.deepEqual(a.calls[0], { method: 'DELETE', path: '/v1/cni/allocations/dcos/c1/eth0', body: undefined });
});

const errorCases: [string, Record<string, string | undefined>, string, number][] = [
  ['no CNI_COMMAND', { CNI_COMMAND: undefined }, conf('1.0.0'), 4],
  ['an unknown command', { CNI_COMMAND: 'EXPLODE' }, conf('1.0.0'), 4],
  ['stdin not JSON', {}, '{"cniVersion": "1.0.0",', 6],
  ['stdin a JSON array', {}, '[1,2]', 6],
  ['an unsupported version', {}, conf('0.2.0'), 1],
  ['no version', {}, JSON.stringify({ name: 'dcos', ipam: { type: 'trellis', socket } }), 1],
  ['GC before 1.1.0', { CNI_COMMAND: 'GC' }, conf('1.0.0'), 1],
  ['a bad network name', {}, conf('1.0.0', { name: '../etc' }), 7],
  ['another ipam type', {}, conf('1.0.0', { ipam: { type: 'host-local' } }), 7],
  ['a relative socket', {}, conf('1.0.0', { ipam: { type: 'trellis', socket: 'agent.sock' } }), 7],
  ['no container id', { CNI_CONTAINERID: undefined }, conf('1.0.0'), 4],
  ['a container id with a slash', { CNI_CONTAINERID: 'a/../b' }, conf('1.0.0'), 4],
  ['an interface name of 16 characters', { CNI_IFNAME: 'abcdefghijklmnop' }, conf('1.0.0'), 4],
  ['an interface name ..', { CNI_IFNAME: '..' }, conf('1.0.0'), 4],
  ['ADD without CNI_NETNS', { CNI_NETNS: '' }, conf('1.0.0'), 4],
  ['CNI_ARGS not pairs', { CNI_ARGS: 'K8S_POD_NAME' }, conf('1.0.0'), 4],
  ['CNI_ARGS oversized', { CNI_ARGS: `A=${'x'.repeat(5000)}` }, conf('1.0.0'), 4],
  ['CHECK without prevResult', { CNI_COMMAND: 'CHECK' }, conf('1.0.0'), 7],
  [
    'GC with a bad keep-list',
    { CNI_COMMAND: 'GC' },
    conf('1.1.0', { 'cni.dev/valid-attachments': [{ x: 1 }] }),
    7,
  ],
];

for (const [what, e, stdin, code] of errorCases)
  test(`spec error ${code} for ${what}, as JSON on stdout, and no agent call`, async (t) => {
    const a = agent();
    const r = await runPlugin(env('ADD', e), stdin, a.call);
    t.is(r.exitCode, 1);
    const body = out(r.stdout);
    t.is(body.code, code);
    t.is(typeof body.msg, 'string');
    t.is(typeof body.cniVersion, 'string');
    t.deepEqual(a.calls, []);
  });

test('agent answers map to spec codes: down 11, not settled 11, full 100, refused 7, failed write 5', async (t) => {
  const code = async (answer: AgentAnswer, command = 'ADD') =>
    out((await runPlugin(env(command), conf('1.0.0'), agent(answer).call)).stdout).code;
  t.is(await code({ ok: false, error: 'ENOENT' }), 11);
  t.is(await code({ ok: false, error: 'ECONNREFUSED' }, 'DEL'), 11);
  t.is(await code({ ok: true, status: 503, body: { error: 'no slice yet' } }), 11);
  t.is(
    await code({ ok: true, status: 409, body: { error: 'full', code: 'ERR_TRELLIS_CNI_EXHAUSTED' } }),
    100,
  );
  t.is(await code({ ok: true, status: 400, body: { error: 'network must be one of' } }), 7);
  t.is(await code({ ok: true, status: 500, body: { error: 'disk full' } }), 5);
  const r = await runPlugin(
    env('ADD'),
    conf('1.0.0'),
    agent({ ok: true, status: 409, body: { error: 'the half is full', code: 'ERR_TRELLIS_CNI_EXHAUSTED' } })
      .call,
  );
  t.is(out(r.stdout).msg, 'the half is full', "the agent's message reaches the runtime");
});

test('CHECK: fine when prevResult lists the held address, 7 when another, 3 when none is held', async (t) => {
  const prev = { ips: [{ address: '9.0.3.2/25' }] };
  const ok = await runPlugin(
    env('CHECK'),
    conf('1.1.0', { prevResult: prev }),
    agent({ ok: true, status: 200, body: held }).call,
  );
  t.deepEqual(ok, { stdout: '', exitCode: 0 });
  const other = await runPlugin(
    env('CHECK'),
    conf('1.1.0', { prevResult: { ips: [{ address: '9.0.3.9/25' }] } }),
    agent({ ok: true, status: 200, body: held }).call,
  );
  t.is(out(other.stdout).code, 7);
  const none = await runPlugin(
    env('CHECK'),
    conf('1.1.0', { prevResult: prev }),
    agent({ ok: true, status: 404, body: {} }).call,
  );
  t.is(out(none.stdout).code, 3);
});

test('STATUS: 50 when the agent is down or the network cannot serve ADD, success when ready', async (t) => {
  const status = (answer: AgentAnswer) => runPlugin(env('STATUS'), conf('1.1.0'), agent(answer).call);
  t.is(out((await status({ ok: false, error: 'ENOENT' })).stdout).code, 50);
  const notReady = await status({
    ok: true,
    status: 200,
    body: { networks: [{ network: 'dcos', ready: false, reason: 'no slice' }] },
  });
  t.like(out(notReady.stdout), { code: 50, msg: 'no slice' });
  t.deepEqual(
    await status({ ok: true, status: 200, body: { networks: [{ network: 'dcos', ready: true }] } }),
    { stdout: '', exitCode: 0 },
  );
});

test('hostile stdin: prototype keys, huge nesting, control characters and labels never throw', async (t) => {
  const hostile = [
    '{"__proto__":{"polluted":1},"cniVersion":"1.0.0","name":"dcos","ipam":{"type":"trellis","socket":"/s"}}',
    `${'['.repeat(100_000)}${']'.repeat(100_000)}`,
    conf('1.0.0', {
      args: {
        cni: { labels: [null, 5, { key: '__proto__', value: 'x' }, { key: 'trellis.task', value: 'db' }] },
      },
    }),
    conf('1.0.0', { runtimeConfig: { labels: 'nope' } }),
    '\u0000\u0001',
    '',
  ];
  for (const stdin of hostile) {
    const a = agent();
    const r = await runPlugin(env('ADD'), stdin, a.call);
    t.true(r.exitCode === 0 || typeof out(r.stdout).code === 'number');
  }
  t.is(({} as { polluted?: number }).polluted, undefined);
  const a = agent();
  await runPlugin(env('ADD'), hostile[2]!, a.call);
  t.deepEqual((a.calls[0]!.body as { labels: object }).labels, { ['__proto__']: 'x', 'trellis.task': 'db' });
});

const held6 = { ipv6: 'fd01:b::2', prefixLength6: 81, gateway6: 'fd01:b::1' };

test('dual-stack ADD in every supported version: both IPs with gateways, a default route of each family', async (t) => {
  for (const v of supportedVersions) {
    const r = await runPlugin(
      env('ADD'),
      conf(v),
      agent({ ok: true, status: 201, body: { ...held, ...held6 } }).call,
    );
    t.is(r.exitCode, 0, r.stdout);
    const version = (n: string) => (v.startsWith('0.') ? { version: n } : {});
    t.like(out(r.stdout), {
      cniVersion: v,
      ips: [
        { ...version('4'), address: '9.0.3.2/25', gateway: '9.0.3.1' },
        { ...version('6'), address: 'fd01:b::2/81', gateway: 'fd01:b::1' },
      ],
      routes: [
        { dst: '0.0.0.0/0', gw: '9.0.3.1' },
        { dst: '::/0', gw: 'fd01:b::1' },
      ],
    });
    t.is((out(r.stdout).ips as unknown[]).length, 2);
  }
  const only6 = await runPlugin(
    env('ADD'),
    conf('1.1.0'),
    agent({ ok: true, status: 201, body: { ...held6, dns: held.dns } }).call,
  );
  t.like(out(only6.stdout), {
    ips: [{ address: 'fd01:b::2/81', gateway: 'fd01:b::1' }],
    routes: [{ dst: '::/0', gw: 'fd01:b::1' }],
  });
  t.is((out(only6.stdout).ips as unknown[]).length, 1, 'IPv6 only: one IP');
});

test('dual-stack CHECK: both addresses must be in prevResult, however the IPv6 one is spelled', async (t) => {
  const check = (ips: { address: string }[]) =>
    runPlugin(
      env('CHECK'),
      conf('1.1.0', { prevResult: { ips } }),
      agent({ ok: true, status: 200, body: { ...held, ...held6 } }).call,
    );
  t.deepEqual(await check([{ address: '9.0.3.2/25' }, { address: 'fd01:b::2/81' }]), {
    stdout: '',
    exitCode: 0,
  });
  t.is((await check([{ address: '9.0.3.2/25' }, { address: 'FD01:B:0:0::2/81' }])).exitCode, 0);
  const lacking = await check([{ address: '9.0.3.2/25' }]);
  t.like(out(lacking.stdout), {
    code: 7,
    msg: 'prevResult lists 9.0.3.2/25, the agent holds 9.0.3.2/25, fd01:b::2/81',
  });
  t.is(out((await check([{ address: '9.0.3.2/25' }, { address: 'fd01:b::3/81' }])).stdout).code, 7);
});
