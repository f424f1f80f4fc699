import test from 'ava';
import { ConfigError } from '@trellis/runtime';
import { parseAgentConfig } from '../src/config/agent-config.js';

const valid = {
  nodeId: 'agent-1',
  bind: '10.0.0.5:7946',
  seeds: ['10.0.0.1:7946'],
  keyringFile: '/etc/trellis/keyring.json',
  identity: 'none',
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
    'identity',
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

const problemsOf = (input: object): Record<string, string> => {
  const e = (() => {
    try {
      parseAgentConfig(input);
    } catch (error) {
      return error as ConfigError;
    }
    throw new Error('no ConfigError');
  })();
  return Object.fromEntries(e.problems.map((p) => [p.path, p.message]));
};

test('ports are 1-65535 in bind, http.listen and every seed; bind takes an IP, not a host name', (t) => {
  const p = problemsOf({
    ...valid,
    bind: '10.0.0.5:99999',
    seeds: ['10.0.0.1:0', 'seed.example:7946', 'fd00::1:7946'],
    http: { listen: '127.0.0.1:70000' },
  });
  t.regex(p['bind']!, /port from 1 to 65535, got "99999"/);
  t.regex(p['seeds[0]']!, /port from 1 to 65535/);
  t.is(p['seeds[1]'], undefined, 'seeds may be names: they are dialled, not bound');
  t.regex(p['seeds[2]']!, /brackets, like "\[fd00::1\]:7946"/);
  t.regex(p['http.listen']!, /port from 1 to 65535/);
  t.regex(
    problemsOf({ ...valid, bind: 'myhost:7946' })['bind']!,
    /"myhost" is a host name.*write an address of this host, or 0\.0\.0\.0:7946/,
  );
  t.regex(problemsOf({ ...valid, bind: 'localhost:7946' })['bind']!, /write 127\.0\.0\.1:7946/);
  t.regex(
    problemsOf({ ...valid, http: { listen: 'localhost:8124' } })['http.listen']!,
    /write 127\.0\.0\.1:8124/,
  );
  t.is(
    parseAgentConfig({ ...valid, bind: '[fd00::5]:7946', advertise: 'agent-1.example:7946' }).bind,
    '[fd00::5]:7946',
  );
});

test('nodeId without control characters, a label of at most 255 bytes, swim checked as the node will', (t) => {
  t.regex(problemsOf({ ...valid, nodeId: 'a\u0007b' })['nodeId']!, /without control characters/);
  t.regex(problemsOf({ ...valid, nodeId: 'x'.repeat(129) })['nodeId']!, /1-128 characters/);
  t.regex(problemsOf({ ...valid, label: 'é'.repeat(128) })['label']!, /at most 255 bytes, got 256/);
  const swim = problemsOf({
    ...valid,
    profile: 'local',
    swim: { probeTimeoutMs: 5000, gossipNodes: -1, tempo: 1 },
  });
  t.regex(swim['swim.probeTimeoutMs']!, /less than probeIntervalMs/);
  t.truthy(swim['swim.gossipNodes']);
  t.regex(swim['swim.tempo']!, /not a swim setting/);
  t.deepEqual(parseAgentConfig({ ...valid, swim: { probeIntervalMs: 2000 } }).swim, {
    probeIntervalMs: 2000,
  });
});

test('vtep entries must be objects', (t) => {
  t.regex(problemsOf({ ...valid, vtep: { dcos: 5 } })['vtep.dcos']!, /must be \{ "mac"\?/);
  t.regex(problemsOf({ ...valid, vtep: [] })['vtep']!, /keyed by overlay name/);
});

test('the http section: socket, mode, group, TCP listener, token and limits', (t) => {
  const c = parseAgentConfig({
    ...valid,
    http: {
      socket: '/run/x/a.sock',
      socketMode: '0600',
      socketGroup: 'trellis',
      listen: '127.0.0.1:8124',
      connectionsMax: 16,
    },
  });
  t.like(c.http, {
    socket: '/run/x/a.sock',
    socketMode: 0o600,
    socketGroup: 'trellis',
    listen: '127.0.0.1:8124',
    connectionsMax: 16,
  });
  const p = problemsOf({
    ...valid,
    http: { socket: 'relative.sock', socketMode: 660, socketGroup: 'bad group', idleTimeoutMs: 1, tls: true },
  });
  t.regex(p['http.socket']!, /absolute path/);
  t.regex(p['http.socketMode']!, /octal string like "0660"/);
  t.regex(p['http.socketGroup']!, /group name or a numeric gid/);
  t.truthy(p['http.idleTimeoutMs']);
  t.regex(p['http.tls']!, /not an http setting/);
  t.regex(problemsOf({ ...valid, http: { socketMode: '0666' } })['http.socketMode']!, /every local user/);
  t.regex(
    problemsOf({ ...valid, http: { socket: `/${'a'.repeat(100)}` } })['http.socket']!,
    /at most 96 bytes/,
  );
});

test('a TCP listener beyond loopback needs allowRemote and a token', (t) => {
  t.regex(
    problemsOf({ ...valid, http: { listen: '0.0.0.0:8124' } })['http.listen']!,
    /reachable from other hosts: listen on 127\.0\.0\.1, or set "allowRemote": true and a "tokenFile"/,
  );
  t.truthy(
    problemsOf({ ...valid, http: { listen: '10.0.0.5:8124', allowRemote: true } })['http.allowRemote'],
  );
  const ok = parseAgentConfig({
    ...valid,
    http: { listen: '10.0.0.5:8124', allowRemote: true, tokenFile: '/etc/t' },
  });
  t.like(ok.http, { listen: '10.0.0.5:8124', allowRemote: true, tokenFile: '/etc/t' });
  t.is(parseAgentConfig({ ...valid, http: { listen: '[::1]:8124' } }).http.listen, '[::1]:8124');
});

test('DNS listens on the underlay IP unless the config names a host', (t) => {
  t.is(parseAgentConfig({ ...valid, dns: {} }).dns?.host, undefined);
  t.is(parseAgentConfig({ ...valid, dns: { host: '0.0.0.0' } }).dns?.host, '0.0.0.0');
  t.truthy(problemsOf({ ...valid, dns: { host: 'dns.example' } })['dns.host']);
});

test('what peers would refuse is a config problem: a VTEP IP outside the VTEP subnet, a group MAC, a multicast underlay', (t) => {
  t.deepEqual(parseAgentConfig({ ...valid, vtep: { dcos: { ip: '44.128.0.9' } } }).vtep, {
    dcos: { ip: '44.128.0.9' },
  });
  const e = t.throws(
    () =>
      parseAgentConfig({
        ...valid,
        underlay: { ip: '224.0.0.1' },
        vtep: { dcos: { ip: '10.0.0.9', mac: '01:00:5e:00:00:01' } },
      }),
    { instanceOf: ConfigError },
  );
  t.deepEqual(e.problems.map((p) => p.path).sort(), ['underlay.ip', 'vtep.dcos.ip', 'vtep.dcos.mac']);
  t.regex(e.message, /44\.128\.0\.0\/20/);
  t.deepEqual(parseAgentConfig({ ...valid, underlay: { ip: '127.0.0.1' } }).underlay, { ip: '127.0.0.1' });
});

test('an IPv6 underlay is taken in its RFC 5952 form; link-local, multicast, unspecified and mapped ones are not', (t) => {
  t.deepEqual(parseAgentConfig({ ...valid, underlay: { ip: 'FD00:0:0::1' } }).underlay, { ip: 'fd00::1' });
  t.deepEqual(parseAgentConfig({ ...valid, underlay: { ip: '::1' } }).underlay, { ip: '::1' });
  for (const ip of ['fe80::1', 'ff02::1', '::', '::ffff:10.0.0.1']) {
    const e = t.throws(() => parseAgentConfig({ ...valid, underlay: { ip } }), { instanceOf: ConfigError });
    t.deepEqual(
      e?.problems.map((p) => p.path),
      ['underlay.ip'],
      ip,
    );
  }
});
