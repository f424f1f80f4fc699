import test, { type ExecutionContext } from 'ava';
import { ConfigError } from '@trellis/runtime';
import { type DnsConfigInput, defaultDnsConfig, parseDnsConfig } from '../src/dns-config.js';

function problemsOf(t: ExecutionContext, input: unknown): string[] {
  const error = t.throws(() => parseDnsConfig(input as DnsConfigInput), { instanceOf: ConfigError });
  return error?.problems.map((p) => `${p.path}: ${p.message}`) ?? [];
}

test('defaults: dcos.thisdcos.directory, TTL 5 s, ns.<zone>, 1232-byte EDNS0 cap', (t) => {
  t.true(Object.isFrozen(defaultDnsConfig));
  const c = parseDnsConfig();
  t.true(Object.isFrozen(c));
  t.like(c, {
    host: '0.0.0.0',
    port: 53,
    zone: 'dcos.thisdcos.directory',
    ttlSeconds: 5,
    nsName: 'ns.dcos.thisdcos.directory',
    udpPayloadMax: 1232,
  });
  t.deepEqual(c.nsAddresses, []);
});

test('the zone and NS name are lower-cased and lose a trailing dot; nsName follows the zone', (t) => {
  const c = parseDnsConfig({ zone: 'Example.COM.', host: '::1', port: 0 });
  t.is(c.zone, 'example.com');
  t.is(c.nsName, 'ns.example.com');
  t.is(c.host, '::1');
  const d = parseDnsConfig({
    zone: 'example.com',
    nsName: 'DNS1.Other.Org.',
    nsAddresses: ['10.0.0.1', 'FD00::1'],
  });
  t.is(d.nsName, 'dns1.other.org');
  t.deepEqual(d.nsAddresses, ['10.0.0.1', 'fd00::1']);
});

test('undefined fields take the default', (t) => {
  t.is(parseDnsConfig({ ttlSeconds: undefined }).ttlSeconds, 5);
});

test('every problem is listed at once', (t) => {
  const problems = problemsOf(t, {
    host: 'localhost',
    port: 70_000,
    zone: 'bad_zone..x',
    ttlSeconds: -1,
    nsName: 42,
    nsAddresses: ['10.0.0.1', 'nope', 'fe80::1%eth0'],
    udpPayloadMax: 100,
    tcpConnectionsMax: 0,
    tcpIdleMs: 1.5,
    tcpQueryBytesMax: 100_000,
    tcpBacklogBytesMax: 10,
    bindAttemptsMax: 0,
    colour: 'blue',
  });
  const paths = problems.map((p) => p.split(':')[0]);
  t.deepEqual(paths, [
    'host',
    'port',
    'zone',
    'ttlSeconds',
    'nsName',
    'nsAddresses[1]',
    'nsAddresses[2]',
    'udpPayloadMax',
    'tcpConnectionsMax',
    'tcpIdleMs',
    'tcpQueryBytesMax',
    'tcpBacklogBytesMax',
    'bindAttemptsMax',
    'colour',
  ]);
  t.true(problems.some((p) => p.includes('"localhost"')));
});

test('a derived ns.<zone> over 253 characters asks for an explicit nsName', (t) => {
  const zone = Array.from({ length: 4 }, () => 'a'.repeat(62)).join('.');
  t.is(zone.length, 251);
  const problems = problemsOf(t, { zone });
  t.is(problems.length, 1);
  t.regex(problems[0]!, /^nsName: .*set nsName/);
  t.is(parseDnsConfig({ zone, nsName: 'ns.example.org' }).nsName, 'ns.example.org');
});

test('non-object input is a ConfigError, not a crash', (t) => {
  for (const bad of [null, 'x', 5, []]) t.deepEqual(problemsOf(t, bad).length, 1);
  t.regex(problemsOf(t, { nsAddresses: 'x' })[0]!, /^nsAddresses: must be an array/);
  t.regex(problemsOf(t, { nsAddresses: Array(17).fill('10.0.0.1') })[0]!, /at most 16/);
});

test('rate limiting and TCP limits: defaults, and every problem listed at once', (t) => {
  t.like(parseDnsConfig(), {
    rrlResponsesPerSecond: 20,
    rrlWindowSeconds: 15,
    rrlSlip: 2,
    rrlIpv4PrefixLength: 24,
    rrlIpv6PrefixLength: 56,
    rrlTableSize: 65_536,
    tcpConnectionsPerClientMax: 8,
    tcpFirstQueryMs: 2500,
  });
  t.is(parseDnsConfig({ rrlResponsesPerSecond: 0 }).rrlResponsesPerSecond, 0, '0 turns RRL off');
  const problems = problemsOf(t, {
    rrlResponsesPerSecond: -1,
    rrlWindowSeconds: 0,
    rrlSlip: 11,
    rrlIpv4PrefixLength: 33,
    rrlIpv6PrefixLength: 129,
    rrlTableSize: 10,
    tcpConnectionsPerClientMax: 0,
    tcpFirstQueryMs: 50,
  });
  t.deepEqual(problems.map((p) => p.split(':')[0]).sort(), [
    'rrlIpv4PrefixLength',
    'rrlIpv6PrefixLength',
    'rrlResponsesPerSecond',
    'rrlSlip',
    'rrlTableSize',
    'rrlWindowSeconds',
    'tcpConnectionsPerClientMax',
    'tcpFirstQueryMs',
  ]);
});

test('the first-query timeout follows a shorter idle timeout, and may not exceed it', (t) => {
  t.is(parseDnsConfig({ tcpIdleMs: 300 }).tcpFirstQueryMs, 300);
  t.is(parseDnsConfig({ tcpIdleMs: 60_000 }).tcpFirstQueryMs, 2500);
  t.is(parseDnsConfig({ tcpFirstQueryMs: 1000 }).tcpFirstQueryMs, 1000);
  t.deepEqual(problemsOf(t, { tcpIdleMs: 1000, tcpFirstQueryMs: 2000 }), [
    'tcpFirstQueryMs: must be at most tcpIdleMs (1000), got 2000',
  ]);
});

test('workers: 1 (this thread alone) by default, 1 to 64, an integer; listed with the other problems', (t) => {
  t.is(parseDnsConfig().workers, 1);
  t.is(parseDnsConfig({ workers: 4 }).workers, 4);
  for (const workers of [0, 65, 1.5, '2'])
    t.deepEqual(
      problemsOf(t, { workers, ttlSeconds: -1 })
        .map((p) => p.split(':')[0])
        .sort(),
      ['ttlSeconds', 'workers'],
      `workers ${String(workers)}`,
    );
});
