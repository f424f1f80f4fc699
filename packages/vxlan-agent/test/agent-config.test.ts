import test from 'ava';
import { ConfigError } from '@trellis/runtime';
import { parseAgentConfig } from '../src/config/agent-config.js';

const valid = {
  nodeId: 'agent-1',
  bind: '10.0.0.5:7946',
  seeds: ['10.0.0.1:7946'],
  keyringFile: '/etc/trellis/keyring.json',
  underlay: { interface: 'eth0' },
  overlays: [{ name: 'dcos', subnet: '9.0.0.0/8' }],
};

test('a valid config gets defaults for everything else', (t) => {
  const c = parseAgentConfig(valid);
  t.is(c.nodeId, 'agent-1');
  t.is(c.profile, 'lan');
  t.like(c.http, {
    socket: '/run/trellis/agent.sock',
    socketMode: 0o660,
    listen: undefined,
    allowRemote: false,
  });
  t.true(c.bridges);
  t.false(c.enableIpForwarding);
  t.is(c.resyncIntervalMs, 30_000);
  t.is(c.overlays[0]!.vni, 1024);
  t.is(c.overlays[0]!.port, 64000);
});

test('every problem is reported at once, with its path', (t) => {
  const e = t.throws(
    () =>
      parseAgentConfig({
        bind: 'nope',
        seeds: ['ok:1', 5],
        profile: 'fast',
        underlay: { ip: '10.0.0.5', interface: 'eth0' },
        overlays: [{ name: 'host', subnet: '9.0.0.1/8' }],
        http: { listen: 8080 },
        resyncIntervalMs: 5,
        surprise: true,
      }),
    { instanceOf: ConfigError },
  );
  const paths = e.problems.map((p) => p.path);
  for (const path of [
    'nodeId',
    'bind',
    'seeds[1]',
    'profile',
    'keyringFile',
    'underlay',
    'http.listen',
    'resyncIntervalMs',
    'surprise',
  ])
    t.true(paths.includes(path), `${path} in ${paths.join(', ')}`);
  t.true(
    paths.some((p) => p.startsWith('overlays[0].name')),
    paths.join(', '),
  );
  t.true(
    paths.some((p) => p.startsWith('overlays[0].subnet')),
    paths.join(', '),
  );
  t.regex(e.message, /keyringFile: is required unless "plaintext": true/);
});

test('plaintext must be explicit, and not combined with a keyring', (t) => {
  const { keyringFile: _k, ...noKey } = valid;
  t.throws(() => parseAgentConfig(noKey), { instanceOf: ConfigError });
  t.notThrows(() => parseAgentConfig({ ...noKey, plaintext: true }));
  t.throws(() => parseAgentConfig({ ...valid, plaintext: true }), { instanceOf: ConfigError });
  t.throws(() => parseAgentConfig('not an object'), { instanceOf: ConfigError });
});

test('VTEP overrides name a configured overlay and carry a valid MAC and IP', (t) => {
  t.deepEqual(parseAgentConfig({ ...valid, vtep: { dcos: { mac: '70:b3:d5:00:00:09' } } }).vtep, {
    dcos: { mac: '70:b3:d5:00:00:09' },
  });
  const e = t.throws(
    () => parseAgentConfig({ ...valid, vtep: { other: { mac: 'AA:BB', ip: 'x', color: 1 } } }),
    { instanceOf: ConfigError },
  );
  t.deepEqual(e.problems.map((p) => p.path).sort(), [
    'vtep.other',
    'vtep.other.color',
    'vtep.other.ip',
    'vtep.other.mac',
  ]);
});

test('routes and tasks settings are checked with the rest, under their own path', (t) => {
  const e = t.throws(
    () =>
      parseAgentConfig({
        ...valid,
        routes: { graceMs: -1, sleepy: true },
        tasks: { localMax: 0, digestBuckets: 3 },
      }),
    { instanceOf: ConfigError },
  );
  const paths = e.problems.map((p) => p.path).sort();
  t.deepEqual(paths, ['routes.graceMs', 'routes.sleepy', 'tasks.digestBuckets', 'tasks.localMax']);
  t.deepEqual(parseAgentConfig({ ...valid, tasks: { graceMs: 5000 } }).tasks, { graceMs: 5000 });
});

test('DNS is off without a dns section, on with one, and its problems are listed with the rest', (t) => {
  t.is(parseAgentConfig(valid).dns, undefined);
  const on = parseAgentConfig({ ...valid, dns: { host: '10.0.0.5', port: 53 } });
  t.like(on.dns, { host: '10.0.0.5', port: 53, zone: 'dcos.thisdcos.directory', ttlSeconds: 5 });
  const e = t.throws(() => parseAgentConfig({ ...valid, dns: { port: 70_000, ttlSeconds: -1 }, tasks: 3 }), {
    instanceOf: ConfigError,
  });
  const paths = e.problems.map((p) => p.path);
  t.true(paths.includes('dns.port'), paths.join());
  t.true(paths.includes('dns.ttlSeconds'), paths.join());
  t.true(paths.includes('tasks'), paths.join());
  t.throws(() => parseAgentConfig({ ...valid, dns: true }), { message: /dns: must be an object/ });
});
